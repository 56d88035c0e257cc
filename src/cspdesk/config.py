"""Settings, read from CSPDESK_* environment variables."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-secret-change-me"  # noqa: S105 - refused outside the demo, see check_production_ready


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSPDESK_", env_file=None, extra="ignore")

    database_url: str = "sqlite:///./cspdesk.db"
    secret_key: str = DEV_SECRET
    base_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("./var")

    session_idle_minutes: int = Field(default=60, ge=1)
    session_max_hours: int = Field(default=12, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_lock_minutes: int = Field(default=15, ge=1)
    api_token_days: int = Field(default=365, ge=1)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "billing@cspdesk.local"

    # Partner Center: "auto" calls the API when credentials are set, else staff carry out tasks by hand.
    partner_center_mode: Literal["auto", "manual"] = "auto"
    partner_center_base_url: str = "https://api.partnercenter.microsoft.com/v1"
    partner_center_tenant_id: str | None = None
    partner_center_client_id: str | None = None
    partner_center_client_secret: str | None = None
    partner_center_refresh_token: str | None = None
    # A fixed bearer token, only for the simulator and demos.
    partner_center_static_token: str | None = None

    # The worker: daily schedules run once per local day at this time; outbox retries back off exponentially.
    daily_run_time: str = Field(default="06:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    daily_run_timezone: str = "UTC"
    worker_poll_seconds: float = Field(default=5.0, gt=0)
    outbox_lease_seconds: int = Field(default=300, ge=1)
    outbox_backoff_base_seconds: float = Field(default=30.0, ge=0)
    outbox_backoff_max_seconds: float = Field(default=3600.0, ge=0)

    upload_max_bytes: int = Field(default=2 * 1024**3, ge=1)
    microsoft_payment_terms_days: int = Field(default=60, ge=0)  # Microsoft invoice date -> due date
    payables_warning_days: tuple[int, ...] = (15, 5)  # warn this many days before a Microsoft due date

    support_address: str = "support@cspdesk.local"
    support_imap_host: str | None = None
    support_imap_user: str | None = None
    support_imap_password: str | None = None
    support_imap_folder: str = "INBOX"
    support_smtp_listen_port: int = Field(default=2525, ge=1, le=65535)
    support_autoclose_days: int = Field(default=7, ge=1)
    support_attachment_max_bytes: int = Field(default=10 * 1024**2, ge=1)
    support_attachment_max_count: int = Field(default=5, ge=1)
    default_language: str = "en"

    # Billing (docs/billing.md).
    billing_payment_terms_days: int = Field(default=30, ge=0)
    billing_pec_policy: str = Field(default="keep", pattern="^(keep|pass_on)$")
    billing_tax_rounding: str = Field(default="ROUND_HALF_UP", pattern="^ROUND_(HALF_UP|HALF_EVEN|DOWN|UP)$")
    billing_invoice_series: str = Field(default="INV", pattern="^[A-Z]{1,8}$")
    billing_credit_note_series: str = Field(default="CN", pattern="^[A-Z]{1,8}$")
    billing_webhook_secret: str = ""
    billing_company_name: str = "cspdesk Partner"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


@cache
def get_settings() -> Settings:
    return Settings()
