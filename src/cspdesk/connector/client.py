"""Building the Partner Center client from settings; no credentials means manual mode."""

from __future__ import annotations

import logging
import uuid

from cspdesk.config import Settings
from cspdesk.microsoft.partner_center import (
    AppOnlyTokenProvider,
    AppUserTokenProvider,
    PartnerCenterClient,
    RetryPolicy,
    StaticTokenProvider,
    TokenProvider,
)

logger = logging.getLogger(__name__)

# MS-RequestIds are derived from outbox keys in this namespace, so every retry of one action sends the same id.
REQUEST_ID_NAMESPACE = uuid.UUID("6f1d3c2a-8b0e-4e55-9a53-2f4f4c2d7a10")


def request_id_for(idempotency_key: str) -> str:
    return str(uuid.uuid5(REQUEST_ID_NAMESPACE, idempotency_key))


def _token_provider(settings: Settings) -> TokenProvider | None:
    if settings.partner_center_static_token:
        return StaticTokenProvider(settings.partner_center_static_token)
    tenant, client_id = settings.partner_center_tenant_id, settings.partner_center_client_id
    secret = settings.partner_center_client_secret
    if not (tenant and client_id and secret):
        return None
    if settings.partner_center_refresh_token:
        return AppUserTokenProvider.from_client_secret(
            tenant,
            client_id,
            secret,
            settings.partner_center_refresh_token,
            on_refresh_token=lambda _token: logger.info("Partner Center issued a new refresh token"),
        )
    return AppOnlyTokenProvider.from_client_secret(tenant, client_id, secret)


def is_manual_mode(settings: Settings) -> bool:
    """True when staff carry out Partner Center actions by hand (checked without contacting Entra ID)."""
    if settings.partner_center_mode == "manual":
        return True
    has_secret = all(
        (settings.partner_center_tenant_id, settings.partner_center_client_id, settings.partner_center_client_secret)
    )
    return not (settings.partner_center_static_token or has_secret)


def client_from_settings(settings: Settings, retry_policy: RetryPolicy | None = None) -> PartnerCenterClient | None:
    """The client, or None in manual mode (mode "manual", or no credentials configured)."""
    if settings.partner_center_mode == "manual":
        return None
    provider = _token_provider(settings)
    if provider is None:
        return None
    return PartnerCenterClient(settings.partner_center_base_url, provider, retry_policy=retry_policy)
