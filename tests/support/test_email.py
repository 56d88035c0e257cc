"""Email in and out: a real SMTP exchange with the aiosmtpd listener, threading, triage, loop protection, IMAP."""

from __future__ import annotations

import json
import smtplib
import socket
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.jobs.email import renderer_for
from cspdesk.kit.storage import LocalStorage
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.support import Ticket, TicketMessage
from cspdesk.support import email_in, mailbox, tickets


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _mail(sender: str, subject: str, body: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@cspdesk.local"
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


@pytest.fixture
def desk(tmp_path: Path) -> tickets.Desk:
    return tickets.Desk(Settings(database_url="sqlite://"), LocalStorage(tmp_path))


def test_email_round_trip_through_smtp(db: Database, desk: tickets.Desk) -> None:
    controller, handler = mailbox.smtp_listener(db, lambda: desk, "127.0.0.1", _free_port())
    controller.start()
    try:
        with smtplib.SMTP(controller.hostname, controller.port) as smtp:
            smtp.send_message(_mail("ap@alpha.test", "Invoice question", "Why two lines?"))
        [created] = handler.results
        assert (created.action, created.reason) == ("created", "")
        number = created.ticket_number
        assert number is not None
        with smtplib.SMTP(controller.hostname, controller.port) as smtp:
            smtp.send_message(_mail("ap@alpha.test", f"Re: [T-{number:06d}] Invoice question", "More detail"))
            smtp.send_message(
                _mail("ap@alpha.test", f"Out of office [T-{number:06d}]", "Away", Auto_Submitted="auto-replied")
            )
    finally:
        controller.stop()
    assert [(r.action, r.ticket_number) for r in handler.results[1:]] == [("threaded", number), ("ignored", None)]
    with db.unit_of_work() as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        bodies = session.execute(select(TicketMessage.body).where(TicketMessage.ticket_id == ticket.id)).scalars()
        assert list(bodies) == ["More detail"]
        assert ticket.via == "email"
        ack = session.execute(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == f"ticket:{ticket.id}:ack")
        ).scalar_one()
        payload = json.loads(ack.payload_json)
        render = renderer_for(payload["renderer"])
        rendered = render(session, payload["args"]) if render else None  # the ticket's number, at send time
        assert rendered is not None
        assert rendered.to == ["ap@alpha.test"]
        assert rendered.subject == f"[T-{number:06d}] Invoice question"
        assert rendered.headers == {"Auto-Submitted": "auto-replied"}


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"X_Autoreply": "yes"}, "a@x.test", "X-Autoreply"),
        ({"Precedence": "bulk"}, "a@x.test", "Precedence: bulk"),
        ({"Precedence": "auto_reply"}, "a@x.test", "Precedence: auto_reply"),
        ({"Return_Path": "<>"}, "a@x.test", "empty Return-Path (bounce)"),
        ({}, "MAILER-DAEMON@mx.test", "bounce sender mailer-daemon@mx.test"),
    ],
)
def test_robots_get_no_ticket(
    session: Session, desk: tickets.Desk, headers: dict[str, str], sender: str, reason: str
) -> None:
    result = email_in.receive(session, bytes(_mail(sender, "Hi", "x", **headers)), desk)
    assert (result.action, result.reason) == ("ignored", reason)


def test_unknown_sender_opens_a_triage_ticket(session: Session, desk: tickets.Desk) -> None:
    result = email_in.receive(session, bytes(_mail("stranger@nowhere.test", "Hello", "Who are you?")), desk)
    ticket = session.execute(select(Ticket).where(Ticket.number == result.ticket_number)).scalar_one()
    assert (result.action, result.reason, ticket.triage) == ("created", "triage", True)
    assert ticket.customer.name == email_in.TRIAGE_CUSTOMER_NAME


class FakeMailbox:
    def __init__(self, messages: list[bytes]) -> None:
        self.messages = messages
        self.seen: list[str] = []

    def select(self, mailbox: str = "INBOX") -> tuple[str, list[Any]]:
        return "OK", [str(len(self.messages)).encode()]

    def search(self, charset: str | None, *criteria: str) -> tuple[str, list[Any]]:
        return "OK", [" ".join(str(i + 1) for i in range(len(self.messages))).encode()]

    def fetch(self, message_set: str, message_parts: str) -> tuple[str, list[Any]]:
        return "OK", [(f"{message_set} (RFC822)".encode(), self.messages[int(message_set) - 1]), b")"]

    def store(self, message_set: str, command: str, flags: str) -> tuple[str, list[Any]]:
        self.seen.append(message_set)
        return "OK", []


def test_imap_poller_files_unseen_messages(db: Database, desk: tickets.Desk) -> None:
    box = FakeMailbox(
        [
            bytes(_mail("ap@alpha.test", "From IMAP", "Body")),
            bytes(_mail("ap@alpha.test", "Auto", "x", Auto_Submitted="auto-generated")),
        ]
    )
    results = mailbox.poll(box, "INBOX", db, lambda: desk)
    assert [r.action for r in results] == ["created", "ignored"]
    assert box.seen == ["1", "2"]
