"""Ticket numbers under concurrent creation through the API's path (number and commit in one round trip), on
PostgreSQL: separate committed transactions in threads, numbers without gaps or duplicates."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from cspdesk.auth import service as auth
from cspdesk.config import Settings
from cspdesk.jobs.email import renderer_for
from cspdesk.kit import counters
from cspdesk.models.audit import AuditEntry
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.support import Ticket
from cspdesk.models.user import User
from cspdesk.support import tickets
from cspdesk.support.schemas import TicketIn
from tests.world import World

pytestmark = pytest.mark.postgres
COUNT = 12


def test_concurrent_creations_commit_numbers_without_gaps(engine: Engine, world: World, tmp_path: Path) -> None:
    desk = tickets.Desk(Settings(database_url=str(engine.url), data_dir=tmp_path))
    with Session(engine) as session:
        user = session.get(User, world.own_portal["customer_user"].user_id)
        assert user is not None
        principal = auth.principal_of(user)
        before = counters.peek(session, tickets.COUNTER)

    def create(i: int) -> tuple[uuid.UUID, int]:
        with Session(engine) as session:
            ticket = tickets.create_ticket(session, principal, TicketIn(subject=f"PG {i}"), desk, take_number=False)
            assert ticket.number < 0  # provisional until the commit
            number = counters.commit_with_next(session, tickets.COUNTER, ticket, "number")
            assert session.get_transaction() is None  # committed
            return ticket.id, number

    made: list[tuple[uuid.UUID, int]] = []
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            made = list(pool.map(create, range(COUNT)))
        assert sorted(number for _, number in made) == list(range(before + 1, before + COUNT + 1))
        with Session(engine) as session:
            rows = session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_([i for i, _ in made])))
            assert {row.id: row.number for row in rows} == dict(made)
            ticket_id, number = made[0]
            ack = session.execute(select(OutboxMessage).where(OutboxMessage.subject_id == str(ticket_id))).scalar_one()
            payload = json.loads(ack.payload_json)
            render = renderer_for(payload["renderer"])
            rendered = render(session, payload["args"]) if render else None
            assert rendered is not None and rendered.subject.startswith(f"[T-{number:06d}]")
    finally:
        with Session(engine) as session:
            ids = [str(i) for i, _ in made]
            session.execute(delete(OutboxMessage).where(OutboxMessage.subject_id.in_(ids)))
            session.execute(delete(AuditEntry).where(AuditEntry.object_id.in_(ids)))
            session.execute(delete(Ticket).where(Ticket.subject.like("PG %")))
            session.commit()
