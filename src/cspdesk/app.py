"""The FastAPI application: routers, error handlers, static files, security headers."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cspdesk import __version__
from cspdesk.config import Settings, get_settings
from cspdesk.db import Database
from cspdesk.web import csrf, errors

STATIC_DIR = Path(__file__).resolve().parent / "static"


CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"


class SecurityHeaders:
    """Security headers on every response, and the CSRF nonce cookie when a page made one.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware (app.middleware("http")) runs every request through
    an extra task and memory streams, a cost each request pays (seen in bench/support_bench.py profiles).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add_headers(scope, MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _add_headers(scope: Scope, headers: MutableHeaders) -> None:
        new_nonce = scope.get("state", {}).get("new_csrf_nonce")  # what request.state.new_csrf_nonce set
        if new_nonce and not Request(scope).cookies.get(csrf.COOKIE):
            settings: Settings = scope["app"].state.settings
            cookie = Response()
            cookie.set_cookie(
                csrf.COOKIE, new_nonce, httponly=True, samesite="lax", secure=settings.secure_cookies, path="/"
            )
            headers.append("set-cookie", cookie.headers["set-cookie"])
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if scope["path"] != "/docs":
            headers.setdefault("Content-Security-Policy", CSP)


async def _swagger_ui() -> HTMLResponse:
    """The API documentation page, with Swagger UI served from our own static files (vendored from npm)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="cspdesk API",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        title="cspdesk",
        version=__version__,
        description="Billing support desk for Microsoft CSP partners. The API authenticates with bearer tokens "
        "(`cspdesk tokens create`). Portal users only ever reach their own customer: other objects answer 404.",
    )
    app.state.settings = settings
    app.state.db = database or Database.from_url(settings.database_url)
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.add_api_route("/docs", _swagger_ui, include_in_schema=False)
    app.state.routers = _routers()
    for router in app.state.routers:
        app.include_router(router)
    return app


def _routers() -> list[APIRouter]:
    """Every domain's `endpoints.router` (JSON API) and `views.router` or `views.routers` (pages), plus health."""
    from cspdesk.discovery import modules_named
    from cspdesk.web import health

    routers: list[APIRouter] = [health.router]
    for kind in ("endpoints", "views"):
        for module in modules_named(kind):
            found = [getattr(module, "router", None), *getattr(module, "routers", [])]
            routers.extend(router for router in found if isinstance(router, APIRouter))
    return routers
