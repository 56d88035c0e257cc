"""What the performance work (issue 6) relies on: the ticket page's stored SLA view equals the replay, the queue
order and its capped count, and the paged thread."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.kit import clock
from cspdesk.support import clocks, repository, tickets
from cspdesk.support.schemas import TicketIn
from tests.support.test_tickets import MONDAY_10_BERLIN, berlin_plan, desk, principal
from tests.world import World

__all__ = ["desk"]
SHOWN = [
    "first_response_due_at",
    "first_response_breached",
    "first_response_met",
    "resolution_due_at",
    "resolution_breached",
    "paused",
    "microsoft_elapsed_minutes",
]


def _same_as_replay(session: Session, ticket_id: uuid.UUID) -> None:
    ticket = repository.access_ticket(session, SYSTEM, ticket_id)
    shown = clocks.shown_state(session, ticket, repository.events_of(session, ticket.id), clock.now())
    replayed = clocks.state_of(session, ticket, clock.now())
    assert {k: getattr(shown, k) for k in SHOWN} == {k: getattr(replayed, k) for k in SHOWN}


def test_shown_sla_equals_the_replay_between_events(session: Session, world: World, desk: tickets.Desk) -> None:
    berlin_plan(session)
    own = principal(session, world, "customer_user", own=True)
    agent = principal(session, world, "admin_agent")
    with clock.frozen_at(MONDAY_10_BERLIN) as frozen:
        ticket = tickets.create_ticket(session, own, TicketIn(subject="Slow", severity="A"), desk)
        _same_as_replay(session, ticket.id)
        frozen.advance(timedelta(hours=2))  # first response now breached, nothing stored yet
        _same_as_replay(session, ticket.id)
        tickets.agent_message(session, agent, ticket.id, "Looking", desk)
        tickets.change_status(session, agent, ticket.id, "pending_customer")
        frozen.advance(timedelta(days=3))
        _same_as_replay(session, ticket.id)
        tickets.change_status(session, agent, ticket.id, "pending_microsoft")
        frozen.advance(timedelta(hours=5))
        _same_as_replay(session, ticket.id)
        tickets.change_status(session, agent, ticket.id, "open")
        frozen.advance(timedelta(days=7))  # resolution breached since the last event
        _same_as_replay(session, ticket.id)


def test_queue_puts_high_priority_first_and_caps_the_count(
    session: Session, world: World, desk: tickets.Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = principal(session, world, "customer_user", own=True)
    agent = principal(session, world, "helpdesk_agent")
    made = [tickets.create_ticket(session, own, TicketIn(subject=f"Q{i}"), desk) for i in range(3)]
    made[2].priority = "high"
    session.flush()
    monkeypatch.setattr(repository, "COUNT_CAP", 2)
    stmt = repository.queue(agent, repository.QueueFilter(), clock.now())
    page = repository.queue_page(session, stmt, 1, 50)
    ours = [row.number for row in page.items if row.number in {t.number for t in made}]
    assert ours[0] == made[2].number
    assert (page.total, page.total_label, page.has_next) == (None, "2+", False)
    first = repository.queue_page(session, stmt, 1, 1)
    assert (len(first.items), first.has_next) == (1, True)


def test_thread_shows_the_latest_messages_first_page(session: Session, world: World, desk: tickets.Desk) -> None:
    own = principal(session, world, "customer_user", own=True)
    agent = principal(session, world, "helpdesk_agent")
    with clock.frozen_at(MONDAY_10_BERLIN) as frozen:
        ticket = tickets.create_ticket(session, own, TicketIn(subject="Long"), desk)
        for i in range(repository.MESSAGES_PER_PAGE + 3):
            frozen.advance(timedelta(minutes=1))
            tickets.agent_message(session, agent, ticket.id, f"m{i}", desk, internal=True)
    latest = repository.message_page(session, agent, ticket)
    assert [m.body for m in latest.items][:2] == ["m3", "m4"]
    assert (len(latest.items), latest.items[-1].body, latest.has_older) == (50, "m52", True)
    older = repository.message_page(session, agent, ticket, 2)
    assert ([m.body for m in older.items], older.has_older) == (["m0", "m1", "m2"], False)
