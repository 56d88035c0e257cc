"""Turning HTML form posts into validated payloads, with messages per field for the page."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from cspdesk.kit.errors import AppError

M = TypeVar("M", bound=BaseModel)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
    return ".".join(parts) or "form"


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def validate(model: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            errors.setdefault(_field_name(tuple(error["loc"])), _message(dict(error)))
        return None, errors


def app_error_fields(exc: AppError) -> dict[str, str]:
    fields = {str(d.get("field", "form")): str(d.get("message", exc.message)) for d in exc.details}
    return fields or {"form": exc.message}


def text_fields(form: FormData, names: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        if isinstance(value, str):
            values[name] = value.strip() if name != "notes" else value
    return values


def blank_to_none(data: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {k: (None if k in names and v == "" else v) for k, v in data.items()}
