"""Console pages: staff and portal users and their roles."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from cspdesk.auth.permissions import PORTAL_ROLES, ROLE_DESCRIPTIONS, STAFF_ROLES, Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit.errors import AppError
from cspdesk.kit.pagination import paginate
from cspdesk.models.customer import Customer
from cspdesk.models.user import User
from cspdesk.users import service
from cspdesk.users.schemas import UserIn, UserPatch
from cspdesk.web import forms
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import DbSession, console
from cspdesk.web.templating import render

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[Depends(verify_csrf)])
P = Permission
Reader = Annotated[Principal, Depends(console(P.USERS_READ))]
Writer = Annotated[Principal, Depends(console(P.USERS_WRITE))]


def _form(
    request: Request, session: DbSession, values: dict[str, Any], errors: dict[str, str], user: User | None
) -> Response:
    customers = list(session.execute(select(Customer.id, Customer.name).order_by(Customer.name)).all())
    context = {
        "values": values,
        "errors": errors,
        "user": user,
        "staff_roles": sorted(STAFF_ROLES),
        "portal_roles": sorted(PORTAL_ROLES),
        "descriptions": ROLE_DESCRIPTIONS,
        "customers": customers,
    }
    return render(request, "console/user_form.html", context, status_code=422 if errors else 200)


async def _posted(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = forms.text_fields(form, ["email", "name", "password", "kind", "customer_id", "language"])
    values["roles"] = [r for r in form.getlist("roles") if isinstance(r, str)]
    values["is_active"] = form.get("is_active") == "on"
    return values


@router.get("/users", response_class=HTMLResponse)
def user_list(request: Request, session: DbSession, principal: Reader, page: int = 1) -> Response:
    result = paginate(session, service.readable_users(principal), page, 50)
    return render(request, "console/users.html", {"page": result, "descriptions": ROLE_DESCRIPTIONS})


@router.get("/users/new", response_class=HTMLResponse)
def user_new(request: Request, session: DbSession, principal: Writer) -> Response:
    return _form(request, session, {"kind": "staff", "language": "en", "roles": [], "is_active": True}, {}, None)


@router.post("/users/new", response_class=HTMLResponse)
async def user_create(request: Request, session: DbSession, principal: Writer) -> Response:
    values = await _posted(request)
    data, errors = forms.validate(UserIn, forms.blank_to_none(values, ["customer_id"]))
    if data is None:
        return _form(request, session, values, errors, None)
    try:
        service.create_user(session, principal, data)
    except AppError as exc:
        return _form(request, session, values, forms.app_error_fields(exc), None)
    return RedirectResponse("/console/users", status_code=303)


@router.get("/users/{user_id}/edit", response_class=HTMLResponse)
def user_edit(request: Request, user_id: uuid.UUID, session: DbSession, principal: Writer) -> Response:
    user = service.access_user(session, principal, user_id)
    values = {
        "email": user.email,
        "name": user.name,
        "kind": user.kind,
        "customer_id": str(user.customer_id or ""),
        "language": user.language,
        "roles": user.role_names,
        "is_active": user.is_active,
    }
    return _form(request, session, values, {}, user)


@router.post("/users/{user_id}/edit", response_class=HTMLResponse)
async def user_update(request: Request, user_id: uuid.UUID, session: DbSession, principal: Writer) -> Response:
    user = service.access_user(session, principal, user_id)
    values = await _posted(request)
    patch = {k: values[k] for k in ("name", "roles", "language", "is_active")}
    if values.get("password"):
        patch["password"] = values["password"]
    data, errors = forms.validate(UserPatch, patch)
    values |= {"email": user.email, "kind": user.kind, "customer_id": str(user.customer_id or "")}
    if data is None:
        return _form(request, session, values, errors, user)
    try:
        service.update_user(session, principal, user_id, data)
    except AppError as exc:
        return _form(request, session, values, forms.app_error_fields(exc), user)
    return RedirectResponse("/console/users", status_code=303)


@router.post("/users/{user_id}/delete")
def user_delete(user_id: uuid.UUID, session: DbSession, principal: Writer) -> Response:
    service.delete_user(session, principal, user_id)
    return RedirectResponse("/console/users", status_code=303)
