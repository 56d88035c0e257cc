"""Email out: rendered en/ru text + HTML, delivered over SMTP to a local aiosmtpd, deduplicated by outbox key."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.jobs.context import Resources
from cspdesk.jobs.email import RenderedEmail, enqueue_email, message_id_for, render_email, renderer
from cspdesk.models.outbox import OutboxMessage
from tests.jobs.helpers import make_worker


class Sink:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp: tuple[Sink, int]) -> Settings:
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp[1], "mail_from": "billing@partner.test"}
    )


@renderer("test.overdue_notice")
def _overdue_notice(session: Session, args: dict[str, Any]) -> RenderedEmail | None:
    if args.get("paid"):
        return None
    language = str(args["language"])
    heading = "Invoice INV-2026-000123 is overdue" if language == "en" else "Счёт INV-2026-000123 просрочен"
    context = {
        "heading": heading,
        "paragraphs": ["<b>Please pay</b> EUR 1,234.50."],
        "facts": [("Step", "reminder 1"), ("Next step", "suspension on 12 Dec 2026")],
        "action_url": "https://desk.partner.test/portal",
        "sender_name": "Partner GmbH",
    }
    text, html = render_email("notice", language, context)
    return RenderedEmail(to=["ap@alpha.test"], subject=heading, text=text, html=html)


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())


def test_a_rendered_notice_is_sent_in_russian_with_text_and_html(
    db: Database, mail_settings: Settings, smtp: tuple[Sink, int], session: Session
) -> None:
    sink, _ = smtp
    key = "dunning:cust-a:inv-123:reminder-1:v3"
    with db.unit_of_work() as s:
        enqueue_email(s, key, renderer_name="test.overdue_notice", args={"language": "ru"})
    outcomes = make_worker(db, mail_settings).drain()
    assert [o.status for o in outcomes] == ["done"]
    [(rcpt, message)] = sink.received
    assert rcpt == ["ap@alpha.test"]
    assert message["Subject"] == "Счёт INV-2026-000123 просрочен"
    assert message["From"] == "billing@partner.test"
    assert message["Message-ID"] == message_id_for(key, "billing@partner.test")
    text, html = _body(message, "plain"), _body(message, "html")
    assert "Уважаемый клиент!" in text
    assert "Step: reminder 1\nNext step: suspension on 12 Dec 2026\n" in text
    assert "<b>Please pay</b> EUR 1,234.50." in text
    assert "&lt;b&gt;Please pay&lt;/b&gt; EUR 1,234.50." in html
    assert "С уважением," in html
    assert "Partner GmbH" in html
    stored = session.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).scalar_one()
    assert stored.result == "sent to ap@alpha.test"


def test_the_same_notice_decided_twice_is_sent_once_even_after_a_rerun(
    db: Database, mail_settings: Settings, smtp: tuple[Sink, int]
) -> None:
    sink, _ = smtp
    rendered = RenderedEmail(to=["ap@alpha.test"], subject="Reminder", text="Please pay.")
    for _ in range(2):
        with db.unit_of_work() as s:
            enqueue_email(s, "dunning:a:inv-1:reminder-1:v1", rendered=rendered)
        make_worker(db, mail_settings).drain()
    assert [m["Subject"] for _, m in sink.received] == ["Reminder"]
    assert sink.received[0][1].get_body(preferencelist=("html",)) is None


def test_a_notice_that_no_longer_applies_is_not_sent(
    db: Database, mail_settings: Settings, smtp: tuple[Sink, int], session: Session
) -> None:
    with db.unit_of_work() as s:
        enqueue_email(s, "paid-meanwhile", renderer_name="test.overdue_notice", args={"language": "en", "paid": True})
    make_worker(db, mail_settings).drain()
    assert smtp[0].received == []
    stored = session.execute(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == "paid-meanwhile")
    ).scalar_one()
    assert (stored.status, stored.result) == ("done", "not sent: no longer applies")


def test_a_crash_after_smtp_accepted_resends_with_the_same_message_id(
    db: Database, mail_settings: Settings, smtp: tuple[Sink, int]
) -> None:
    """The documented at-least-once window: the copy carries the same Message-ID, so receivers can drop it."""
    sink, _ = smtp

    def crash(_message: object) -> None:
        raise SystemExit("killed before commit")

    with db.unit_of_work() as s:
        enqueue_email(s, "window", rendered=RenderedEmail(to=["ap@alpha.test"], subject="Hi", text="x"))
    with pytest.raises(SystemExit):
        make_worker(db, mail_settings, before_commit=crash).drain()
    settings_after = mail_settings.model_copy(update={"outbox_lease_seconds": 1})
    from cspdesk.kit import clock

    with clock.frozen_at(clock.now().replace(year=2100)):
        make_worker(db, settings_after, worker_id="worker-b", resources=Resources(settings_after)).drain()
    ids = [m["Message-ID"] for _, m in sink.received]
    assert ids == [message_id_for("window", "billing@partner.test")] * 2


def test_an_unreachable_server_is_retried(db: Database, settings: Settings, session: Session) -> None:
    closed = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": _free_port()})
    with db.unit_of_work() as s:
        enqueue_email(s, "unreachable", rendered=RenderedEmail(to=["a@b.test"], subject="s", text="t"))
    assert [o.status for o in make_worker(db, closed).drain()] == ["retry"]
    stored = session.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == "unreachable")).scalar_one()
    assert stored.last_error is not None and stored.last_error.startswith("ConnectionRefusedError")
