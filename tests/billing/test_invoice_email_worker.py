"""The worker carries out 'email.invoice': the issued invoice's PDF goes to its billing contacts once."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.jobs.context import Resources
from cspdesk.kit.storage import LocalStorage
from cspdesk.models.outbox import OutboxMessage
from tests.billing.test_lifecycle import _issued
from tests.jobs.helpers import make_worker, park_world_messages


class CapturingMailer:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


def test_worker_sends_the_invoice_email_with_its_pdf(session: Session, settings: Settings, db: Database) -> None:
    park_world_messages(db)
    storage = LocalStorage(settings.data_dir / "storage")
    invoice = _issued(session, settings, storage)
    session.commit()
    mailer = CapturingMailer()
    resources = Resources(settings, mailer_factory=lambda _settings: mailer)
    worker = make_worker(db, settings, resources=resources, kinds=frozenset({"email.invoice"}))
    outcomes = worker.drain()
    assert [o.status for o in outcomes] == ["done"]
    assert worker.drain() == []
    (message,) = mailer.sent
    assert message["To"] == ", ".join(c.email for c in invoice.customer.contacts)
    assert invoice.number is not None
    assert invoice.number in message["Subject"]
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert attachments == [f"{invoice.number}.pdf"]
    row = session.query(OutboxMessage).filter(OutboxMessage.kind == "email.invoice").one()
    assert row.status == "done"
