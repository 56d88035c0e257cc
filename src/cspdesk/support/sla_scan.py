"""SLA warnings and escalation rules: a scan selects tickets near or past their due time and enqueues one
idempotent action per ticket, rule and due time; tasks.handle_sla_action carries each out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.jobs.outbox import enqueue
from cspdesk.models.support import Ticket
from cspdesk.support import clocks, plans

SLA_ACTION_KIND = "support.sla_action"
WARNING_BUSINESS_MINUTES = 60


@dataclass(frozen=True)
class Rule:
    """When ("warning" before breach, "breach" after) do what ("notify", "raise_priority", "reassign")."""

    when: str
    action: str
    assignee_email: str = ""


DEFAULT_RULES = (Rule("warning", "notify"), Rule("breach", "notify"), Rule("breach", "raise_priority"))


@dataclass(frozen=True)
class PlannedAction:
    ticket_number: int
    rule: Rule
    key: str


def _stage(ticket: Ticket, session: Session, now: datetime) -> tuple[str, str] | None:
    events = _events(session, ticket)
    if not events or events[0].at > now:
        return None  # created after `now` (a scan for a past instant): nothing to say yet
    state = clocks.sla_state(ticket, plans.ticket_terms(session, ticket), events, now)
    clocks.apply_state(ticket, state)
    due = state.first_response_due_at if state.first_response_running else state.resolution_due_at
    if state.first_response_breached or state.resolution_breached:
        return "breach", due.isoformat() if due else "breached"
    if state.breaching_within(WARNING_BUSINESS_MINUTES):
        return "warning", due.isoformat() if due else ""
    return None


def _events(session: Session, ticket: Ticket) -> list:  # type: ignore[type-arg]
    from cspdesk.support import repository

    return repository.events_of(session, ticket.id)


def scan(
    session: Session, now: datetime, rules: tuple[Rule, ...] = DEFAULT_RULES, *, dry_run: bool = False
) -> list[PlannedAction]:
    """Tickets the partner works on (new, open): enqueue the actions their SLA stage calls for, once each."""
    stmt = select(Ticket).where(Ticket.status.in_(("new", "open"))).order_by(Ticket.number)
    planned = []
    for ticket in session.execute(stmt).scalars():
        stage = _stage(ticket, session, now)
        if stage is None:
            continue
        when, due = stage
        for rule in (r for r in rules if r.when == when):
            key = f"sla:{ticket.id}:{when}:{rule.action}:{due}"
            planned.append(PlannedAction(ticket.number, rule, key))
            if not dry_run:
                payload = {
                    "ticket_id": str(ticket.id),
                    "when": when,
                    "action": rule.action,
                    "assignee_email": rule.assignee_email,
                }
                enqueue(session, SLA_ACTION_KIND, payload, key, subject_type="ticket", subject_id=str(ticket.id))
    return planned
