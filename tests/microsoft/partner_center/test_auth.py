"""MSAL-backed token providers, driven by a fake MSAL application (no network)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from cspdesk.microsoft.partner_center.auth import (
    PARTNER_CENTER_SCOPE,
    AppOnlyTokenProvider,
    AppUserTokenProvider,
    StaticTokenProvider,
    TokenAcquisitionError,
)

from .helpers import FakeClock


class FakeMsalApp:
    """Answers MSAL calls from a script of results and records how it was called."""

    def __init__(self, *results: Mapping[str, Any] | None) -> None:
        self._results = list(results)
        self.client_calls: list[list[str]] = []
        self.refresh_calls: list[tuple[str, list[str]]] = []

    def acquire_token_for_client(self, scopes: list[str]) -> Mapping[str, Any] | None:
        self.client_calls.append(scopes)
        return self._results.pop(0)

    def acquire_token_by_refresh_token(self, refresh_token: str, scopes: list[str]) -> Mapping[str, Any]:
        self.refresh_calls.append((refresh_token, scopes))
        result = self._results.pop(0)
        assert result is not None
        return result


def test_app_only_token_is_cached_until_the_refresh_margin() -> None:
    clock = FakeClock()
    app = FakeMsalApp(
        {"access_token": "at-1", "expires_in": 3600, "token_type": "Bearer"},
        {"access_token": "at-2", "expires_in": 3600, "token_type": "Bearer"},
    )
    provider = AppOnlyTokenProvider(app, clock=clock, refresh_margin_seconds=300)

    first = provider.access_token()
    clock.advance(3299)
    still_cached = provider.access_token()
    clock.advance(1)
    renewed = provider.access_token()

    assert (first, still_cached, renewed) == ("at-1", "at-1", "at-2")
    assert app.client_calls == [[PARTNER_CENTER_SCOPE], [PARTNER_CENTER_SCOPE]]


def test_app_only_error_result_raises_with_msal_error() -> None:
    app = FakeMsalApp({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret."})
    provider = AppOnlyTokenProvider(app, clock=FakeClock())

    with pytest.raises(TokenAcquisitionError) as raised:
        provider.access_token()

    assert raised.value.error == "invalid_client"
    assert raised.value.description == "AADSTS7000215: Invalid client secret."


def test_app_only_empty_result_raises() -> None:
    provider = AppOnlyTokenProvider(FakeMsalApp(None), clock=FakeClock())

    with pytest.raises(TokenAcquisitionError) as raised:
        provider.access_token()

    assert raised.value.error == "no_token"


def test_app_user_keeps_and_reports_each_rotated_refresh_token() -> None:
    clock = FakeClock()
    stored: list[str] = []
    app = FakeMsalApp(
        {"access_token": "at-1", "refresh_token": "rt-2", "expires_in": 3600},
        {"access_token": "at-2", "refresh_token": "rt-3", "expires_in": 3600},
    )
    provider = AppUserTokenProvider(app, "rt-1", on_refresh_token=stored.append, clock=clock)

    first = provider.access_token()
    cached = provider.access_token()
    clock.advance(3600)
    second = provider.access_token()

    assert (first, cached, second) == ("at-1", "at-1", "at-2")
    assert app.refresh_calls == [("rt-1", [PARTNER_CENTER_SCOPE]), ("rt-2", [PARTNER_CENTER_SCOPE])]
    assert stored == ["rt-2", "rt-3"]


def test_app_user_does_not_report_an_unchanged_refresh_token() -> None:
    stored: list[str] = []
    app = FakeMsalApp({"access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3600})
    provider = AppUserTokenProvider(app, "rt-1", on_refresh_token=stored.append, clock=FakeClock())

    assert provider.access_token() == "at-1"
    assert stored == []


def test_app_user_invalid_grant_means_consent_is_needed_again() -> None:
    app = FakeMsalApp({"error": "invalid_grant", "error_description": "AADSTS700082: The refresh token has expired."})
    provider = AppUserTokenProvider(app, "rt-old", on_refresh_token=lambda _: None, clock=FakeClock())

    with pytest.raises(TokenAcquisitionError) as raised:
        provider.access_token()

    assert raised.value.error == "invalid_grant"


def test_from_client_secret_builds_an_msal_app_for_the_partner_tenant(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[dict[str, str]] = []

    class RecordingConfidentialApp:
        def __init__(self, client_id: str, *, client_credential: str, authority: str) -> None:
            created.append({"client_id": client_id, "client_credential": client_credential, "authority": authority})

        def acquire_token_for_client(self, scopes: list[str]) -> Mapping[str, Any]:
            return {"access_token": f"app-token for {scopes[0]}", "expires_in": 3599}

    monkeypatch.setattr("msal.ConfidentialClientApplication", RecordingConfidentialApp)

    provider = AppOnlyTokenProvider.from_client_secret("partner-tenant-id", "app-id", "app-secret")

    assert provider.access_token() == f"app-token for {PARTNER_CENTER_SCOPE}"
    assert created == [
        {
            "client_id": "app-id",
            "client_credential": "app-secret",
            "authority": "https://login.microsoftonline.com/partner-tenant-id",
        }
    ]


def test_static_provider_returns_its_token() -> None:
    assert StaticTokenProvider("sim-token").access_token() == "sim-token"
