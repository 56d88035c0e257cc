"""Settings, read from CSPDESK_* environment variables."""

from __future__ import annotations

from functools import cache
from pathlib import Path

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

    upload_max_bytes: int = Field(default=2 * 1024**3, ge=1)
    default_language: str = "en"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


@cache
def get_settings() -> Settings:
    return Settings()
