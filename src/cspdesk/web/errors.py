"""One place that renders AppError: JSON for the API, a page (or a redirect to sign in) for the web."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from cspdesk.kit.errors import AppError, TooManyRequests
from cspdesk.web.deps import LoginRequired
from cspdesk.web.templating import render


class ErrorOut(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] = []


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path == "/healthz"


def _headers(exc: AppError) -> dict[str, str]:
    if isinstance(exc, TooManyRequests):
        return {"Retry-After": str(exc.retry_after_seconds)}
    return {}


async def app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if _wants_json(request):
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=_headers(exc))
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    return render(request, "error.html", {"error": exc}, status_code=exc.status_code)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    error = AppError(str(exc.detail))
    error.status_code = exc.status_code
    error.code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    if _wants_json(request):
        return JSONResponse(error.to_dict(), status_code=exc.status_code)
    return render(request, "error.html", {"error": error}, status_code=exc.status_code)


def install(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)


API_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No valid bearer token"},
    403: {"model": ErrorOut, "description": "The token's roles lack the permission"},
    404: {"model": ErrorOut, "description": "Not found, or outside the principal's reach"},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **API_ERRORS,
    409: {"model": ErrorOut, "description": "Conflicts with existing data (e.g. a duplicate id)"},
    422: {"description": "Invalid payload or a broken business rule"},
}
