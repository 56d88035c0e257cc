"""Emails to customers about their tickets, through the outbox (kind "email.send")."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from cspdesk.jobs.email import RenderedEmail, enqueue_email, renderer
from cspdesk.jobs.outbox import enqueue
from cspdesk.models.support import Ticket, TicketMessage

EMAIL_KIND = "email.send"
ACK_RENDERER = "support.ticket_ack"


def subject_for(ticket: Ticket) -> str:
    """Replies thread back into the ticket by the number in brackets."""
    return f"[{ticket.display_number}] {ticket.subject}"


def _send(session: Session, ticket: Ticket, key: str, body: str, reply_to: str) -> None:
    if not ticket.requester_email:
        return
    payload = {
        "to": [ticket.requester_email],
        "subject": subject_for(ticket),
        "text": body,
        "reply_to": reply_to,
        "headers": {},
    }
    enqueue(session, EMAIL_KIND, payload, key, subject_type="ticket", subject_id=str(ticket.id))


def acknowledge(session: Session, ticket: Ticket, support_address: str) -> None:
    """Tell the requester the ticket exists and how to reply (auto-submitted, so their auto-replies stay quiet).

    Rendered when sent, from the ticket: it is queued before the ticket's number is taken (see create_ticket).
    """
    if not ticket.requester_email:
        return
    enqueue_email(
        session,
        f"ticket:{ticket.id}:ack",
        renderer_name=ACK_RENDERER,
        args={"ticket_id": str(ticket.id), "reply_to": support_address},
        subject_type="ticket",
        subject_id=str(ticket.id),
        new_key=True,  # the ticket was made in this transaction
    )


@renderer(ACK_RENDERER)
def render_acknowledgement(session: Session, args: dict[str, Any]) -> RenderedEmail | None:
    ticket = session.get(Ticket, uuid.UUID(str(args["ticket_id"])))
    if ticket is None or not ticket.requester_email:
        return None
    body = (
        f"We received your request and opened ticket {ticket.display_number}.\n\n"
        f"Subject: {ticket.subject}\n\nReply to this email to add to the ticket; keep "
        f"[{ticket.display_number}] in the subject.\n"
    )
    return RenderedEmail(
        to=[ticket.requester_email],
        subject=subject_for(ticket),
        text=body,
        reply_to=str(args["reply_to"]),
        headers={"Auto-Submitted": "auto-replied"},
    )


def public_reply(session: Session, ticket: Ticket, message: TicketMessage, support_address: str) -> None:
    body = f"{message.body}\n\n-- \n{message.author_label}\nTicket {ticket.display_number}\n"
    _send(session, ticket, f"ticket:{ticket.id}:message:{message.id}", body, support_address)
