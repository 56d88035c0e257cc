"""Email in: replies thread into tickets by [T-000123] in the subject; unknown senders open a ticket for triage;
auto-replies and bounces are dropped so that two robots never mail each other forever."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import Principal
from cspdesk.kit import audit
from cspdesk.models.customer import BillingContact, Customer
from cspdesk.models.support import Ticket, TicketMessage
from cspdesk.models.user import User
from cspdesk.support import repository, tickets
from cspdesk.support.attachments import Upload
from cspdesk.support.schemas import TicketIn

NUMBER_IN_SUBJECT = re.compile(r"\[T-(\d{6,})\]")
TRIAGE_CUSTOMER_NAME = "Unassigned email senders"


@dataclass(frozen=True)
class IntakeResult:
    action: str  # "threaded" | "created" | "ignored"
    ticket_number: int | None = None
    reason: str = ""


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def loop_reason(message: EmailMessage) -> str:
    """Why the message is automatic (and must get no answer), or "" for a human's email."""
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "X-Autoreply"
    if str(message.get("Precedence", "")).strip().lower() in ("bulk", "auto_reply", "junk", "list"):
        return f"Precedence: {message.get('Precedence')}"
    return_path = message.get("Return-Path")
    if return_path is not None and parseaddr(str(return_path))[1] == "":
        return "empty Return-Path (bounce)"
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    if sender.startswith(("mailer-daemon@", "postmaster@")) or not sender:
        return f"bounce sender {sender or '(none)'}"
    return ""


def _text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return str(part.get_content()).strip() if part is not None else ""


def _uploads(message: EmailMessage) -> list[Upload]:
    found = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            found.append(Upload(part.get_filename() or "attachment", data))
    return found


def _email_principal(session: Session, sender: str) -> Principal:
    user = session.execute(select(User).where(func.lower(User.email) == sender)).scalar_one_or_none()
    customer_id = user.customer_id if user is not None else None
    return Principal(user_id=user.id if user else None, label=sender, kind="system", customer_id=customer_id)


def _customer_of(session: Session, sender: str) -> uuid.UUID | None:
    user = session.execute(select(User).where(func.lower(User.email) == sender)).scalar_one_or_none()
    if user is not None and user.customer_id is not None:
        return user.customer_id
    stmt = select(BillingContact.customer_id).where(func.lower(BillingContact.email) == sender).limit(1)
    return session.execute(stmt).scalar_one_or_none()


def _triage_customer(session: Session) -> uuid.UUID:
    """Tickets from unknown senders wait on one placeholder customer until an agent moves them."""
    found = session.execute(select(Customer).where(Customer.name == TRIAGE_CUSTOMER_NAME)).scalar_one_or_none()
    if found is None:
        found = Customer(
            name=TRIAGE_CUSTOMER_NAME,
            tenant_id=uuid.uuid4(),
            country="US",
            billing_currency="USD",
            status="prospect",
            needs_review=True,
        )
        session.add(found)
        session.flush()
    return found.id


def receive(session: Session, raw: bytes, desk: tickets.Desk) -> IntakeResult:
    """Handle one inbound email inside the caller's unit of work."""
    message = parse(raw)
    reason = loop_reason(message)
    if reason:
        return IntakeResult("ignored", reason=reason)
    message_id = str(message.get("Message-ID", "")).strip() or None
    if (
        message_id
        and session.execute(select(TicketMessage.id).where(TicketMessage.email_message_id == message_id)).first()
    ):
        return IntakeResult("ignored", reason="already received")
    sender_name, sender = parseaddr(str(message.get("From", "")))
    sender = sender.lower()
    subject = str(message.get("Subject", "")).strip() or "(no subject)"
    body = _text_body(message) or "(empty message)"
    desk = tickets.Desk(desk.settings, desk.storage, _uploads(message))
    threaded = _thread(session, sender, subject, body, desk, message_id)
    if threaded is not None:
        return threaded
    return _new_ticket(session, sender, sender_name, subject, body, desk, message_id)


def _thread(
    session: Session, sender: str, subject: str, body: str, desk: tickets.Desk, message_id: str | None
) -> IntakeResult | None:
    match = NUMBER_IN_SUBJECT.search(subject)
    ticket = repository.ticket_by_number(session, int(match.group(1))) if match else None
    if ticket is None or ticket.status == "closed":
        return None
    known = sender in {ticket.requester_email.lower()} or _customer_of(session, sender) == ticket.customer_id
    if not known:
        return None
    tickets.customer_message(
        session, _email_principal(session, sender), ticket, body, desk, via="email", email_message_id=message_id
    )
    return IntakeResult("threaded", ticket.number)


def _new_ticket(
    session: Session, sender: str, name: str, subject: str, body: str, desk: tickets.Desk, message_id: str | None
) -> IntakeResult:
    customer_id = _customer_of(session, sender)
    triage = customer_id is None
    system = Principal(user_id=None, label=f"email from {sender}", kind="system")
    data = TicketIn(
        subject=NUMBER_IN_SUBJECT.sub("", subject).strip()[:250] or "(no subject)",
        description=body,
        customer_id=customer_id or _triage_customer(session),
        requester_email=sender,
        requester_name=name[:200],
    )
    ticket = tickets.create_ticket(session, system, data, desk, via="email", triage=triage)
    audit.record(session, system, "ticket.email_in", "ticket", ticket.id, after={"message_id": message_id})
    return IntakeResult("created", ticket.number, "triage" if triage else "")


def ticket_of(session: Session, number: int) -> Ticket | None:
    return repository.ticket_by_number(session, number)
