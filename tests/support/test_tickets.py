"""Ticket use cases: portal scoping, replies, SLA columns, billing-only work, merge, auto-close, demo."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth import service as auth
from cspdesk.auth.principal import SYSTEM, Principal
from cspdesk.config import Settings
from cspdesk.jobs.email import renderer_for
from cspdesk.kit import clock, counters
from cspdesk.kit.errors import NotFound, PermissionDenied, ValidationFailed
from cspdesk.kit.storage import LocalStorage
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.support import Ticket
from cspdesk.models.user import User
from cspdesk.support import plans, repository, sla_scan, tasks, tickets
from cspdesk.support.attachments import Upload, sniff
from cspdesk.support.schemas import PlanIn, TicketIn
from tests.world import World

MONDAY_10_BERLIN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def principal(session: Session, world: World, role: str, own: bool = False) -> Principal:
    actor = (world.own_portal if own else world.actors)[role]
    user = session.get(User, actor.user_id)
    assert user is not None
    return auth.principal_of(user)


def berlin_plan(session: Session) -> None:
    calendar = {
        "time_zone": "Europe/Berlin",
        "weekly_hours": {d: ["09:00-17:00"] for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
        "holidays": ["2026-11-25"],
    }
    targets = {
        "A": {"first_response": 60, "resolution": 480},
        "B": {"first_response": 120, "resolution": 960},
        "C": {"first_response": 240, "resolution": 1920},
    }
    plans.save_plan(
        session,
        SYSTEM,
        PlanIn.model_validate({"name": "Test plan", "calendar": calendar, "targets": targets, "is_default": True}),
    )


@pytest.fixture
def desk(tmp_path: Path) -> tickets.Desk:
    settings = Settings(database_url="sqlite://", support_attachment_max_bytes=100, support_attachment_max_count=2)
    return tickets.Desk(settings, LocalStorage(tmp_path))


def test_portal_ticket_gets_number_due_times_and_acknowledgement(
    session: Session, world: World, desk: tickets.Desk
) -> None:
    berlin_plan(session)
    customer = principal(session, world, "customer_user", own=True)
    with clock.frozen_at(MONDAY_10_BERLIN):
        ticket = tickets.create_ticket(session, customer, TicketIn(subject="Help", severity="A"), desk)
    assert ticket.customer_id == world.customer_a
    assert ticket.display_number.startswith("T-")
    assert ticket.first_response_due_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    # 8 business hours: Monday 10:00-17:00 Berlin is 7 h, Tuesday 09:00-10:00 Berlin the last hour.
    assert ticket.resolution_due_at == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    stored = session.execute(select(Ticket.number).where(Ticket.id == ticket.id)).scalar_one()
    assert stored == ticket.number > 0  # the provisional number never stays
    ack = session.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"ticket:{ticket.id}:ack"))
    message = ack.scalar_one()
    assert message.kind == "email.send"
    payload = json.loads(message.payload_json)
    render = renderer_for(payload["renderer"])
    assert render is not None
    rendered = render(session, payload["args"])  # at send time, from the ticket
    assert rendered is not None
    assert (rendered.to, rendered.subject) == ([ticket.requester_email], f"[{ticket.display_number}] Help")
    assert rendered.headers == {"Auto-Submitted": "auto-replied"}


def test_ticket_numbers_follow_the_counter(session: Session, world: World, desk: tickets.Desk) -> None:
    own = principal(session, world, "customer_user", own=True)
    first, second = (tickets.create_ticket(session, own, TicketIn(subject=s), desk) for s in ("One", "Two"))
    assert second.number == first.number + 1 == counters.peek(session, tickets.COUNTER)
    stored = session.execute(select(Ticket.number).where(Ticket.id.in_([first.id, second.id]))).scalars()
    assert sorted(stored) == [first.number, second.number]


def test_portal_users_see_only_their_customer_and_public_replies(
    session: Session, world: World, desk: tickets.Desk
) -> None:
    own = principal(session, world, "customer_admin", own=True)
    other = principal(session, world, "customer_admin")
    agent = principal(session, world, "helpdesk_agent")
    ticket = tickets.create_ticket(session, own, TicketIn(subject="Mine"), desk)
    tickets.agent_message(session, agent, ticket.id, "internal only", desk, internal=True)
    tickets.agent_message(session, agent, ticket.id, "hello customer", desk)
    with pytest.raises(NotFound):
        repository.access_ticket(session, other, ticket.id)
    assert [m.body for m in repository.messages_of(session, own, ticket)] == ["hello customer"]
    assert [m.body for m in repository.messages_of(session, agent, ticket)] == ["internal only", "hello customer"]
    assert ticket.status == "open"
    assert ticket.first_responded_at is not None


def test_billing_admin_works_billing_tickets_only(session: Session, world: World, desk: tickets.Desk) -> None:
    own = principal(session, world, "customer_user", own=True)
    billing = principal(session, world, "billing_admin")
    bill = tickets.create_ticket(session, own, TicketIn(subject="Invoice", category="billing"), desk)
    tech = tickets.create_ticket(session, own, TicketIn(subject="Login", category="technical"), desk)
    tickets.change_status(session, billing, bill.id, "resolved")
    assert bill.status == "resolved"
    with pytest.raises(PermissionDenied):
        tickets.change_status(session, billing, tech.id, "resolved")
    with pytest.raises(PermissionDenied):
        tickets.agent_message(session, principal(session, world, "sales_agent"), bill.id, "x", desk)


def test_pending_customer_pauses_and_customer_reply_reopens(session: Session, world: World, desk: tickets.Desk) -> None:
    berlin_plan(session)
    own = principal(session, world, "customer_user", own=True)
    agent = principal(session, world, "admin_agent")
    with clock.frozen_at(MONDAY_10_BERLIN) as frozen:
        ticket = tickets.create_ticket(session, own, TicketIn(subject="Pause", severity="A"), desk)
        frozen.advance(timedelta(hours=1))
        tickets.agent_message(session, agent, ticket.id, "Which tenant?", desk)
        tickets.change_status(session, agent, ticket.id, "pending_customer")
        assert ticket.resolution_due_at is None
        frozen.advance(timedelta(days=1))
        tickets.portal_reply(session, own, ticket.id, "This one", desk)
    assert ticket.status == "open"
    # 1 business hour used on Monday; 7 left from Tuesday 11:00 Berlin: Tuesday 17:00 (6 h), then Wednesday is a
    # holiday, so Thursday 09:00-10:00 Berlin.
    assert ticket.resolution_due_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_attachments_are_sniffed_and_limited(session: Session, world: World, desk: tickets.Desk) -> None:
    own = principal(session, world, "customer_user", own=True)
    png = Upload("screen.exe", b"\x89PNG\r\n\x1a\n" + b"0" * 10)
    desk_with = tickets.Desk(desk.settings, desk.storage, [png])
    ticket = tickets.create_ticket(session, own, TicketIn(subject="Files"), desk_with)
    [attachment] = repository.attachments_of(session, own, ticket)
    assert (attachment.filename, attachment.content_type, attachment.size_bytes) == ("screen.exe", "image/png", 18)
    too_big = tickets.Desk(desk.settings, desk.storage, [Upload("big.txt", b"x" * 101)])
    with pytest.raises(ValidationFailed, match="larger than 100 bytes"):
        tickets.create_ticket(session, own, TicketIn(subject="Big"), too_big)
    too_many = tickets.Desk(desk.settings, desk.storage, [png, png, png])
    with pytest.raises(ValidationFailed, match="at most 2 attachments"):
        tickets.create_ticket(session, own, TicketIn(subject="Many"), too_many)
    assert sniff(b"%PDF-1.7") == "application/pdf"
    assert sniff(b"<script>alert(1)</script>") == "text/plain"


def test_merge_and_autoclose(session: Session, world: World, desk: tickets.Desk) -> None:
    own = principal(session, world, "customer_user", own=True)
    agent = principal(session, world, "helpdesk_agent")
    first = tickets.create_ticket(session, own, TicketIn(subject="Dup 1"), desk)
    second = tickets.create_ticket(session, own, TicketIn(subject="Dup 2"), desk)
    target = tickets.merge(session, agent, second.id, first.number)
    assert (target.id, second.status, second.merged_into_id) == (first.id, "closed", first.id)
    with clock.frozen_at(datetime(2026, 12, 1, tzinfo=UTC)) as frozen:
        tickets.change_status(session, agent, first.id, "resolved")
        frozen.advance(timedelta(days=7))
        assert [t.number for t in tickets.autoclose(session, SYSTEM, 7, dry_run=True)] == [first.number]
        assert first.status == "resolved"
        tickets.autoclose(session, SYSTEM, 7)
    assert first.status == "closed"


def test_sla_scan_warns_then_raises_priority_once(session: Session, world: World, desk: tickets.Desk) -> None:
    berlin_plan(session)
    own = principal(session, world, "customer_user", own=True)
    with clock.frozen_at(MONDAY_10_BERLIN) as frozen:
        ticket = tickets.create_ticket(session, own, TicketIn(subject="Slow", severity="A"), desk)
        frozen.advance(timedelta(minutes=30))
        assert [(a.rule.when, a.rule.action) for a in sla_scan.scan(session, clock.now())] == [("warning", "notify")]
        frozen.advance(timedelta(hours=1))
        planned = sla_scan.scan(session, clock.now())
        assert [(a.rule.when, a.rule.action) for a in planned] == [("breach", "notify"), ("breach", "raise_priority")]
        assert len(sla_scan.scan(session, clock.now())) == 2  # planned again, enqueued once (same keys)
        keys = [a.key for a in planned]
        rows = session.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key.in_(keys))).scalars()
        for row in rows:
            tasks.handle_sla_action(session, __import__("json").loads(row.payload_json), desk.settings)
    assert ticket.sla_breached is True
    assert ticket.priority == "high"


def test_demo_has_every_status(session: Session, tmp_path: Path) -> None:
    from cspdesk.support.demo import load_support_demo

    before = {t.id for t in session.execute(select(Ticket)).scalars()}
    if plans.default_plan(session) is not None:
        pytest.skip("a default plan exists already")
    load_support_demo(session, LocalStorage(tmp_path), clock.today())
    new = [t for t in session.execute(select(Ticket)).scalars() if t.id not in before]
    assert sorted({t.status for t in new}) == sorted(
        ["new", "open", "pending_customer", "pending_microsoft", "resolved", "closed"]
    )
    assert any(t.sla_breached for t in new)
    assert uuid.UUID(str(new[0].customer_id))
