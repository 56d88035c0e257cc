"""Web pages: sign in, sign out, and the user's own API tokens."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from cspdesk.auth import service
from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import AppError, NotAuthenticated, NotFound
from cspdesk.models.user import ApiToken, User
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import SESSION_COOKIE, DbSession, Requires, get_settings, web_principal_optional
from cspdesk.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


def _home_for(principal: Principal) -> str:
    return "/portal" if principal.is_portal else "/console/customers"


@router.get("/", response_class=HTMLResponse)
def index(principal: Annotated[Principal | None, Depends(web_principal_optional)]) -> Response:
    return RedirectResponse(_home_for(principal) if principal else "/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "email": "", "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    settings = get_settings(request)
    ip = request.client.host if request.client else "unknown"
    try:
        user = service.authenticate(session, settings, email, password, ip)
    except AppError as exc:
        # The failed attempt must be counted even though the page reports an error.
        session.commit()
        status = exc.status_code if exc.status_code == 429 else 401
        context = {"next": _safe_next(next), "email": email, "error": exc.message}
        return render(request, "login.html", context, status_code=status)
    started = service.start_session(session, settings, user)
    target = _safe_next(next) or _home_for(service.principal_of(user))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        started.token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_max_hours * 3600,
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def set_language(lang: Annotated[str, Form()], back: Annotated[str, Form()] = "/") -> Response:
    response = RedirectResponse(_safe_next(back) or "/", status_code=303)
    if lang in ("en", "ru"):
        response.set_cookie("cspdesk_lang", lang, samesite="lax", max_age=365 * 86400, path="/")
    return response


TokenUser = Annotated[Principal, Depends(Requires(Permission.TOKENS_OWN, web=True, audience="staff"))]


def _own_tokens(session: DbSession, principal: Principal) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == principal.user_id).order_by(ApiToken.created_at.desc())
    return list(session.execute(stmt).scalars())


@router.get("/console/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, session: DbSession, principal: TokenUser) -> Response:
    return render(request, "console/tokens.html", {"tokens": _own_tokens(session, principal), "new_token": None})


@router.post("/console/tokens", response_class=HTMLResponse)
def create_token(
    request: Request, session: DbSession, principal: TokenUser, name: Annotated[str, Form()] = ""
) -> Response:
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotAuthenticated("please sign in")
    issued = service.create_api_token(session, get_settings(request), user, name.strip() or "token", principal)
    context = {"tokens": _own_tokens(session, principal), "new_token": issued.token}
    return render(request, "console/tokens.html", context, status_code=201)


@router.post("/console/tokens/{token_id}/revoke")
def revoke_token(token_id: uuid.UUID, session: DbSession, principal: TokenUser) -> Response:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != principal.user_id:
        raise NotFound("token not found")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        audit.record(session, principal, "api_token.revoke", "api_token", row.id, before={"name": row.name})
    return RedirectResponse("/console/tokens", status_code=303)
