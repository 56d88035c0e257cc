"""FastAPI dependencies: the unit of work per request, and who the principal is (bearer token or session cookie)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated

import anyio
from anyio import CapacityLimiter
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from cspdesk.auth import service as auth
from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.kit.errors import AppError, NotAuthenticated, PermissionDenied
from cspdesk.web.csrf import SAFE_METHODS

SESSION_COOKIE = "cspdesk_session"


class LoginRequired(AppError):
    """A web page was asked for without a session: the handler redirects to the login page."""

    status_code = 401
    code = "login_required"


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


async def unit_of_work(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed before the response is sent.

    An async dependency: making the session needs no I/O, so only the end (commit or rollback, then close) goes
    to a worker thread, with a limiter of its own, as FastAPI does for a sync dependency's exit: a request that
    holds row locks must never wait for a thread while the threads wait for its locks.
    """
    database = get_database(request)
    session = database.session_for(writes=request.method not in SAFE_METHODS)
    commit = False
    try:
        yield session
        commit = True
    finally:
        if not session.in_transaction():
            session.close()  # nothing to end (the endpoint committed itself, or never used the database): no I/O
        else:
            with anyio.CancelScope(shield=True):
                end = partial(database.end, session, commit=commit)
                await anyio.to_thread.run_sync(end, limiter=CapacityLimiter(1))


DbSession = Annotated[Session, Depends(unit_of_work, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def api_principal(request: Request, session: DbSession) -> Principal:
    """The API authenticates with bearer tokens only, so it needs no CSRF protection."""
    token = _bearer(request)
    principal = auth.resolve_api_token(session, token) if token else None
    if principal is None:
        raise NotAuthenticated("a valid bearer token is required")
    request.state.principal = principal
    return principal


def web_principal_optional(request: Request, session: DbSession) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    principal = auth.resolve_session(session, get_settings(request), token) if token else None
    request.state.principal = principal
    return principal


def web_principal(principal: Annotated[Principal | None, Depends(web_principal_optional)]) -> Principal:
    if principal is None:
        raise LoginRequired("please sign in")
    return principal


class Requires:
    """A dependency that checks one permission from the permission table; the matrix tests read it off routes.

    audience "staff" keeps portal users out of the console, "portal" keeps staff out of the portal pages.
    """

    def __init__(self, permission: Permission | None, *, web: bool = False, audience: str = "any") -> None:
        self.permission = permission
        self.web = web
        self.audience = audience

    def __call__(self, request: Request, session: DbSession) -> Principal:
        if self.web:
            principal = web_principal(web_principal_optional(request, session))
        else:
            principal = api_principal(request, session)
        if self.audience == "staff" and not principal.is_staff:
            raise PermissionDenied("this page is for the partner's staff")
        if self.audience == "portal" and not principal.is_portal:
            raise PermissionDenied("this page is for customer portal users")
        if self.permission is not None:
            principal.require(self.permission)
        return principal


def api(permission: Permission | None) -> Requires:
    return Requires(permission)


def console(permission: Permission | None) -> Requires:
    return Requires(permission, web=True, audience="staff")


def portal(permission: Permission | None) -> Requires:
    return Requires(permission, web=True, audience="portal")
