"""Jinja2 templates with the request's principal, language, CSRF token and formatting helpers."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date, format_datetime
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from cspdesk.kit.i18n import gettext_for, pick_language
from cspdesk.kit.money import format_money
from cspdesk.web.csrf import csrf_token

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.autoescape = True


def request_language(request: Request) -> str:
    principal = getattr(request.state, "principal", None)
    chosen = request.query_params.get("lang") or request.cookies.get("cspdesk_lang")
    return pick_language(chosen, getattr(principal, "language", None), request.app.state.settings.default_language)


@cache
def _babel_locale(language: str) -> Locale:
    return Locale.parse(language)


@lru_cache(maxsize=8192)
def _formatted(language: str, style: str, value: date | datetime, tzinfo: tzinfo | None) -> str:
    # Babel takes 30-50 us per datetime (most of a queue page's rendering), and pages show the same instants
    # (due times, event times) again and again. The zone is part of the key: equal instants in other zones
    # compare equal but read differently.
    locale = _babel_locale(language)
    if isinstance(value, datetime):
        return str(format_datetime(value, style, tzinfo=None, locale=locale))
    return str(format_date(value, style, locale=locale))


def _date_formatter(language: str) -> Any:
    def fmt(value: date | datetime | None, style: str = "medium") -> str:
        if value is None:
            return "—"
        return _formatted(language, style, value, value.tzinfo if isinstance(value, datetime) else None)

    return fmt


def _query_with(request: Request) -> Any:
    def with_params(**changes: Any) -> str:
        params = dict(request.query_params)
        params.update({k: str(v) for k, v in changes.items() if v is not None})
        return "?" + urlencode(params)

    return with_params


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    language = request_language(request)
    translation = gettext_for(language)
    base: dict[str, Any] = {
        "principal": getattr(request.state, "principal", None),
        "csrf_token": csrf_token(request),
        "lang": language,
        "_": translation.gettext,
        "ngettext": translation.ngettext,
        "money": lambda minor, currency: format_money(minor, currency, language),
        "fmt_date": _date_formatter(language),
        "query_with": _query_with(request),
    }
    base.update(context or {})
    return templates.TemplateResponse(request, name, base, status_code=status_code)
