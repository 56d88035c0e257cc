"""CSRF protection for cookie-authenticated forms: an HMAC of a per-browser nonce, checked on every unsafe request."""

from __future__ import annotations

from fastapi import Request

from cspdesk.auth import crypto
from cspdesk.kit.errors import CsrfFailed

COOKIE = "cspdesk_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_for(secret_key: str, nonce: str) -> str:
    return crypto.sign(secret_key, "csrf:" + nonce)


def ensure_nonce(request: Request) -> str:
    """The browser's CSRF nonce, made on the first visit (the middleware sets the cookie)."""
    nonce = request.cookies.get(COOKIE) or getattr(request.state, "new_csrf_nonce", None)
    if not nonce:
        nonce = crypto.random_token(24)
        request.state.new_csrf_nonce = nonce
    return nonce


def csrf_token(request: Request) -> str:
    return token_for(request.app.state.settings.secret_key, ensure_nonce(request))


async def verify_csrf(request: Request) -> None:
    """A FastAPI dependency for every HTML router: unsafe methods must carry the token from our own page."""
    if request.method in SAFE_METHODS:
        return
    nonce = request.cookies.get(COOKIE)
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    expected = token_for(request.app.state.settings.secret_key, nonce) if nonce else None
    if not sent or not expected or not crypto.same(sent, expected):
        raise CsrfFailed("The form has expired or did not come from this site. Reload the page and try again.")
