"""Background work of the support desk, registered with the jobs worker: the "support.sla_action" handler and
the daily auto-close schedule (emails go out as "email.send": rendered payloads, or the acknowledgement rendered
at send time by email_out.render_acknowledgement)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.config import Settings
from cspdesk.jobs.context import JobContext
from cspdesk.jobs.outbox import enqueue
from cspdesk.jobs.registry import handler, schedule
from cspdesk.kit import audit, clock
from cspdesk.models.support import Ticket
from cspdesk.models.user import User
from cspdesk.support import sla_scan, tickets
from cspdesk.support.email_out import EMAIL_KIND
from cspdesk.support.sla_scan import SLA_ACTION_KIND


def handle_sla_action(session: Session, payload: dict[str, Any], settings: Settings) -> None:
    """Carry out one SLA rule action; safe to repeat (each step checks the ticket's current state)."""
    ticket = session.get(Ticket, uuid.UUID(str(payload["ticket_id"])))
    if ticket is None or ticket.status not in ("new", "open"):
        return
    action = str(payload["action"])
    if action == "raise_priority" and ticket.priority != "high":
        ticket.priority = "high"
        tickets.add_event(session, ticket, "priority", "SLA rule", detail="high")
        audit.record(
            session,
            SYSTEM,
            "ticket.priority",
            "ticket",
            ticket.id,
            before={"priority": "normal"},
            after={"priority": "high"},
            note="SLA escalation rule",
        )
    elif action == "reassign":
        _reassign(session, ticket, str(payload.get("assignee_email", "")))
    elif action == "notify":
        _notify(session, ticket, str(payload["when"]), settings)


def _reassign(session: Session, ticket: Ticket, email: str) -> None:
    user = session.execute(select(User).where(func.lower(User.email) == email.lower())).scalar_one_or_none()
    if user is not None and ticket.assignee_id != user.id:
        tickets.assign(session, SYSTEM, ticket.id, user.id)


def _notify(session: Session, ticket: Ticket, when: str, settings: Settings) -> None:
    assignee = session.get(User, ticket.assignee_id) if ticket.assignee_id else None
    to = assignee.email if assignee else settings.support_address
    due = ticket.first_response_due_at or ticket.resolution_due_at
    text = f"Ticket {ticket.display_number} ({ticket.subject}) SLA {when}; due {due.isoformat() if due else '-'}."
    payload = {"to": [to], "subject": f"SLA {when}: {ticket.display_number}", "text": text, "headers": {}}
    enqueue(
        session,
        EMAIL_KIND,
        payload,
        f"sla-notify:{ticket.id}:{when}:{due}",
        subject_type="ticket",
        subject_id=str(ticket.id),
    )


@handler(SLA_ACTION_KIND)
def sla_action(context: JobContext) -> None:
    handle_sla_action(context.session, context.payload, context.settings)
    context.result = f"{context.payload.get('action')} ({context.payload.get('when')})"


@schedule("support.autoclose")
def autoclose_resolved(session: Session, today: date) -> int:
    """Close tickets resolved more than CSPDESK_SUPPORT_AUTOCLOSE_DAYS ago without a reply."""
    from cspdesk.config import get_settings

    return len(tickets.autoclose(session, SYSTEM, get_settings().support_autoclose_days))


@schedule("support.sla_scan")
def sla_scan_daily(session: Session, today: date) -> int:
    """A daily safety net; run `cspdesk tickets sla-scan` every few minutes from cron for timely warnings."""
    return len(sla_scan.scan(session, clock.now()))
