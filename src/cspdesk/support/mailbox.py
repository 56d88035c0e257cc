"""Where inbound support email comes from: an SMTP listener (aiosmtpd) or an IMAP mailbox poller."""

from __future__ import annotations

import imaplib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from cspdesk.db import Database
from cspdesk.support import email_in, tickets

DeskFactory = Callable[[], tickets.Desk]


def deliver(database: Database, desk: DeskFactory, raw: bytes) -> email_in.IntakeResult:
    """One email, one unit of work: a failure leaves nothing half-done and the sender's server retries."""
    with database.unit_of_work() as session:
        return email_in.receive(session, raw, desk())


@dataclass
class IntakeHandler:
    """aiosmtpd handler: accepts mail for the support address and files it as a ticket or reply."""

    database: Database
    desk: DeskFactory
    results: list[email_in.IntakeResult] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        try:
            self.results.append(deliver(self.database, self.desk, bytes(content)))
        except Exception:
            return "451 Requested action aborted: local error in processing"
        return "250 Message accepted for delivery"


def smtp_listener(database: Database, desk: DeskFactory, host: str, port: int) -> tuple[Controller, IntakeHandler]:
    """A started-on-demand SMTP listener; call .start() and .stop() on the controller."""
    handler = IntakeHandler(database, desk)
    return Controller(handler, hostname=host, port=port), handler


class Mailbox(Protocol):
    """The part of imaplib.IMAP4 the poller uses, so tests can pass a fake mailbox."""

    def select(self, mailbox: str = ...) -> tuple[str, list[Any]]: ...
    def search(self, charset: str | None, *criteria: str) -> tuple[str, list[Any]]: ...
    def fetch(self, message_set: str, message_parts: str) -> tuple[str, list[Any]]: ...
    def store(self, message_set: str, command: str, flags: str) -> tuple[str, list[Any]]: ...


def poll(mailbox: Mailbox, folder: str, database: Database, desk: DeskFactory) -> list[email_in.IntakeResult]:
    """Read unseen messages, file each in its own transaction, then flag it seen."""
    mailbox.select(folder)
    _, data = mailbox.search(None, "UNSEEN")
    results = []
    for number in (data[0] or b"").split():
        key = number.decode()
        _, parts = mailbox.fetch(key, "(RFC822)")
        raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), b"")
        results.append(deliver(database, desk, bytes(raw)))
        mailbox.store(key, "+FLAGS", "\\Seen")
    return results


def imap_connect(host: str, user: str, password: str) -> imaplib.IMAP4_SSL:
    connection = imaplib.IMAP4_SSL(host)
    connection.login(user, password)
    return connection
