"""What a handler gets: the unit of work, the claimed message, its payload, and shared resources."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.models.outbox import OutboxMessage

if TYPE_CHECKING:
    from cspdesk.jobs.mailer import Mailer
    from cspdesk.microsoft.partner_center import PartnerCenterClient


def _default_mailer(settings: Settings) -> Mailer:
    from cspdesk.jobs.mailer import SmtpMailer

    return SmtpMailer.from_settings(settings)


def _default_partner_center(settings: Settings) -> PartnerCenterClient | None:
    from cspdesk.connector.client import client_from_settings

    return client_from_settings(settings)


@dataclass
class Resources:
    """Long-lived helpers of one worker, built on first use; tests pass their own factories."""

    settings: Settings
    mailer_factory: Callable[[Settings], Mailer] = _default_mailer
    partner_center_factory: Callable[[Settings], PartnerCenterClient | None] = _default_partner_center
    _built: dict[str, Any] = field(default_factory=dict)

    def mailer(self) -> Mailer:
        if "mailer" not in self._built:
            self._built["mailer"] = self.mailer_factory(self.settings)
        mailer: Mailer = self._built["mailer"]
        return mailer

    def partner_center(self) -> PartnerCenterClient | None:
        """The Partner Center client, or None in manual mode (no credentials, or mode "manual")."""
        if "partner_center" not in self._built:
            self._built["partner_center"] = self.partner_center_factory(self.settings)
        client: PartnerCenterClient | None = self._built["partner_center"]
        return client

    def close(self) -> None:
        client = self._built.pop("partner_center", None)
        if client is not None:
            client.close()


@dataclass
class JobContext:
    session: Session
    message: OutboxMessage
    payload: dict[str, Any]
    resources: Resources
    # What was done, in words for staff; stored on the message when it is marked done.
    result: str = ""

    @property
    def settings(self) -> Settings:
        return self.resources.settings
