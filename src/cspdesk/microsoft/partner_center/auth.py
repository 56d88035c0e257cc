"""Access tokens for Partner Center: app-only, app+user (secure application model) and static."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import msal

PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default"
DEFAULT_REFRESH_MARGIN_SECONDS = 300


class TokenProvider(Protocol):
    """Anything that hands out a currently valid bearer token for Partner Center."""

    def access_token(self) -> str: ...


class ClientCredentialsApp(Protocol):
    """The part of msal.ConfidentialClientApplication used for app-only tokens."""

    def acquire_token_for_client(self, scopes: list[str]) -> Mapping[str, Any] | None: ...


class RefreshTokenApp(Protocol):
    """The part of msal.ConfidentialClientApplication used to redeem a stored refresh token."""

    def acquire_token_by_refresh_token(self, refresh_token: str, scopes: list[str]) -> Mapping[str, Any]: ...


class TokenAcquisitionError(Exception):
    """Entra ID refused to issue a token; `invalid_grant` means the refresh token needs a new consent."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description


def authority_for(tenant_id: str) -> str:
    """The Entra ID authority URL of the partner's tenant."""
    return f"https://login.microsoftonline.com/{tenant_id}"


def _new_confidential_app(tenant_id: str, client_id: str, client_secret: str) -> Any:
    return msal.ConfidentialClientApplication(
        client_id, client_credential=client_secret, authority=authority_for(tenant_id)
    )


@dataclass(frozen=True)
class _IssuedToken:
    value: str
    refresh_at: float


class _TokenCache:
    """Keeps one access token until `margin_seconds` before it expires."""

    def __init__(self, clock: Callable[[], float], margin_seconds: int) -> None:
        self._clock = clock
        self._margin_seconds = margin_seconds
        self._token: _IssuedToken | None = None

    def current(self) -> str | None:
        if self._token is None or self._clock() >= self._token.refresh_at:
            return None
        return self._token.value

    def keep(self, value: str, expires_in_seconds: int) -> None:
        self._token = _IssuedToken(value, self._clock() + expires_in_seconds - self._margin_seconds)


def _access_token_from(result: Mapping[str, Any] | None) -> tuple[str, int]:
    if not result or "access_token" not in result:
        error = str((result or {}).get("error", "no_token"))
        raise TokenAcquisitionError(error, str((result or {}).get("error_description", "")))
    return str(result["access_token"]), int(result.get("expires_in", 0))


class AppOnlyTokenProvider:
    """App-only tokens (client credentials), cached until shortly before they expire."""

    def __init__(
        self,
        app: ClientCredentialsApp,
        *,
        scope: str = PARTNER_CENTER_SCOPE,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin_seconds: int = DEFAULT_REFRESH_MARGIN_SECONDS,
    ) -> None:
        self._app = app
        self._scopes = [scope]
        self._cache = _TokenCache(clock, refresh_margin_seconds)
        self._lock = threading.Lock()

    @classmethod
    def from_client_secret(
        cls, tenant_id: str, client_id: str, client_secret: str, **options: Any
    ) -> AppOnlyTokenProvider:
        """Build the provider on a real MSAL application for the partner's tenant."""
        return cls(_new_confidential_app(tenant_id, client_id, client_secret), **options)

    def access_token(self) -> str:
        with self._lock:
            cached = self._cache.current()
            if cached is not None:
                return cached
            token, expires_in = _access_token_from(self._app.acquire_token_for_client(scopes=self._scopes))
            self._cache.keep(token, expires_in)
            return token


class AppUserTokenProvider:
    """App+user tokens from a stored refresh token; every rotated refresh token goes to `on_refresh_token`."""

    def __init__(
        self,
        app: RefreshTokenApp,
        refresh_token: str,
        *,
        on_refresh_token: Callable[[str], None],
        scope: str = PARTNER_CENTER_SCOPE,
        clock: Callable[[], float] = time.monotonic,
        refresh_margin_seconds: int = DEFAULT_REFRESH_MARGIN_SECONDS,
    ) -> None:
        self._app = app
        self._refresh_token = refresh_token
        self._on_refresh_token = on_refresh_token
        self._scopes = [scope]
        self._cache = _TokenCache(clock, refresh_margin_seconds)
        self._lock = threading.Lock()

    @classmethod
    def from_client_secret(
        cls,
        tenant_id: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        *,
        on_refresh_token: Callable[[str], None],
        **options: Any,
    ) -> AppUserTokenProvider:
        """Build the provider on a real MSAL application for the partner's tenant."""
        app = _new_confidential_app(tenant_id, client_id, client_secret)
        return cls(app, refresh_token, on_refresh_token=on_refresh_token, **options)

    def access_token(self) -> str:
        with self._lock:
            cached = self._cache.current()
            if cached is not None:
                return cached
            result = self._app.acquire_token_by_refresh_token(self._refresh_token, scopes=self._scopes)
            token, expires_in = _access_token_from(result)
            self._keep_newest_refresh_token(result.get("refresh_token"))
            self._cache.keep(token, expires_in)
            return token

    def _keep_newest_refresh_token(self, issued: object) -> None:
        if isinstance(issued, str) and issued and issued != self._refresh_token:
            self._refresh_token = issued
            self._on_refresh_token(issued)


class StaticTokenProvider:
    """A fixed token, for the simulator and tests."""

    def __init__(self, token: str) -> None:
        self._token = token

    def access_token(self) -> str:
        return self._token
