"""SLA glue: replay a ticket's stored events on the plan terms it was opened under; keep the due columns current."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from cspdesk.models.support import Ticket
from cspdesk.models.support import TicketEvent as StoredEvent
from cspdesk.support import plans, repository
from cspdesk.support.sla import SlaState, TicketEvent, TicketStatus, compute_sla

SLA_EVENT_KINDS = frozenset({"created", "first_reply", "status"})


def sla_events(stored: Sequence[StoredEvent]) -> list[TicketEvent]:
    """The events the SLA clocks read, in time order."""
    events: list[TicketEvent] = []
    for event in stored:
        if event.kind == "created":
            events.append(TicketEvent.created(event.at))
        elif event.kind == "first_reply":
            events.append(TicketEvent.first_public_reply_by_agent(event.at))
        elif event.kind == "status" and event.to_status:
            events.append(TicketEvent.status_changed(event.at, TicketStatus(event.to_status)))
    return events


def sla_state(ticket: Ticket, terms: plans.Terms | None, stored: Sequence[StoredEvent], now: datetime) -> SlaState:
    calendar = plans.calendar_of(terms)
    return compute_sla(calendar, plans.targets_of(terms, ticket.severity), sla_events(stored), now)


@dataclass(frozen=True)
class ShownSla:
    """What the ticket page shows of the SLA, read from the ticket's stored columns."""

    first_response_due_at: datetime | None
    first_response_breached: bool
    first_response_met: bool | None
    resolution_due_at: datetime | None
    resolution_breached: bool
    paused: bool
    microsoft_elapsed_minutes: int


def shown_state(session: Session, ticket: Ticket, stored: Sequence[StoredEvent], now: datetime) -> ShownSla | SlaState:
    """The stored columns stay exact between events (a running clock's due instant does not move), so only a
    breach since the last event needs `now`; replaying is needed only while Microsoft's clock runs."""
    if ticket.status == "pending_microsoft":
        return sla_state(ticket, plans.ticket_terms(session, ticket), stored, now)
    first_due, resolution_due = ticket.first_response_due_at, ticket.resolution_due_at
    first_breached = ticket.first_response_breached or (
        ticket.first_responded_at is None and first_due is not None and first_due <= now
    )
    resolution_breached = ticket.resolution_breached or (
        ticket.is_open and resolution_due is not None and resolution_due <= now
    )
    replied = ticket.first_responded_at is not None
    return ShownSla(
        first_response_due_at=first_due,
        first_response_breached=first_breached,
        first_response_met=False if first_breached else (True if replied else None),
        resolution_due_at=resolution_due,
        resolution_breached=resolution_breached,
        paused=ticket.status == "pending_customer",
        microsoft_elapsed_minutes=ticket.microsoft_minutes,
    )


def state_of(session: Session, ticket: Ticket, now: datetime) -> SlaState:
    return sla_state(ticket, plans.ticket_terms(session, ticket), repository.events_of(session, ticket.id), now)


def refresh(session: Session, ticket: Ticket, now: datetime) -> SlaState:
    """Recompute the ticket's SLA columns; called after every event."""
    session.flush()
    state = state_of(session, ticket, now)
    apply_state(ticket, state)
    return state


def apply_state(ticket: Ticket, state: SlaState) -> None:
    ticket.first_response_due_at = state.first_response_due_at
    ticket.resolution_due_at = state.resolution_due_at
    ticket.first_response_breached = state.first_response_breached
    ticket.resolution_breached = state.resolution_breached
    ticket.sla_breached = state.first_response_breached or state.resolution_breached
    ticket.microsoft_minutes = state.microsoft_elapsed_minutes
