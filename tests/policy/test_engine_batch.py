"""The engine reads a batch of customers at once and inserts their simple steps in bulk: same outcome, fewer queries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.jobs.email import RenderedEmail, enqueue_email
from cspdesk.kit import clock
from cspdesk.models.customer import Customer
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.policy import DunningAction, PolicySuspension
from cspdesk.policy import holds
from cspdesk.policy.engine import run_dunning
from cspdesk.policy.engine.writes import BulkWriter
from cspdesk.policy.tasks import CUSTOMER_KIND, enqueue_daily_dunning
from tests.policy import factories as f

ISSUE = date(2026, 1, 1)
DUE = ISSUE + timedelta(days=30)  # 2026-01-31


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _mixed_customers(session: Session) -> list[Customer]:
    """Customers at different points on the same day: a reminder, a late fee, a suspension, held ones, a fresh one."""
    f.publish(session, ISSUE)
    names = ("Reminder", "LateFee", "Suspend", "Disputed", "Exempt", "Fresh")
    owners = {name: f.customer(session, name) for name in names}
    f.invoice(session, owners["Reminder"], ISSUE, 50_000)
    f.invoice(session, owners["LateFee"], ISSUE - timedelta(days=6), 50_000)
    f.subscription(session, owners["Suspend"])
    f.invoice(session, owners["Suspend"], ISSUE - timedelta(days=13), 50_000)
    disputed = f.invoice(session, owners["Disputed"], ISSUE - timedelta(days=13), 50_000)
    f.invoice(session, owners["Exempt"], ISSUE, 50_000)
    f.invoice(session, owners["Fresh"], ISSUE + timedelta(days=20), 50_000)
    with f.on(DUE):
        holds.open_dispute(session, SYSTEM, disputed.id, "wrong seats")
        holds.exempt_customer(session, SYSTEM, owners["Exempt"].id, DUE + timedelta(days=5), "new contract")
    return list(owners.values())


def _outcome(session: Session, owners: list[Customer]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [(o.name, *action) for o in owners for action in f.actions_of(session, o)]
    # Suspension keys name a fresh suspension id: compare the subscription (the message's subject) instead.
    messages = session.execute(select(OutboxMessage.kind, OutboxMessage.idempotency_key, OutboxMessage.subject_id))
    keys: list[tuple[str, ...]] = [
        (kind, subject if key.startswith("suspension:") else key) for kind, key, subject in messages
    ]
    suspended = session.execute(select(func.count()).select_from(PolicySuspension)).scalar_one()
    return sorted(rows) + sorted(keys) + [("suspended", str(suspended))]


def test_one_batch_ends_like_running_each_customer_alone(session: Session) -> None:
    owners = _mixed_customers(session)
    day = DUE + timedelta(days=1)
    alone = session.begin_nested()
    with f.on(day):
        for owner in owners:
            run_dunning(session, day, customer_ids=[owner.id])
    one_by_one = _outcome(session, owners)
    alone.rollback()
    session.expire_all()
    with f.on(day):
        report = run_dunning(session, day, customer_ids=[o.id for o in owners])
    assert _outcome(session, owners) == one_by_one
    assert sorted((a.customer_name.split()[0], a.step_key) for a in report.actions) == [
        ("LateFee", "1:reminder"),  # the last reminder before the fee is still sent; only older ones are skipped
        ("LateFee", "7:late_fee"),
        ("Reminder", "1:reminder"),
        ("Suspend", "12:suspension_warning"),
        ("Suspend", "14:suspend"),
        ("Suspend", "7:late_fee"),
    ]


def test_reading_and_writing_take_the_same_queries_for_3_or_12_acting_customers(session: Session) -> None:
    f.publish(session, ISSUE)
    owners = [f.customer(session, f"Batch {i}") for i in range(12)]
    for owner in owners:
        f.invoice(session, owner, ISSUE, 10_000)
    day = DUE + timedelta(days=1)
    with f.on(day), counted(session) as few:
        small = run_dunning(session, day, customer_ids=[o.id for o in owners[:3]])
    with f.on(day), counted(session) as many:
        large = run_dunning(session, day, customer_ids=[o.id for o in owners[3:]])
    assert (len(small.actions), len(large.actions)) == (3, 9)
    assert len(few) == len(many)
    assert not any("SAVEPOINT" in statement for statement in many)


def test_a_step_another_run_inserted_meanwhile_stays_theirs(session: Session) -> None:
    f.publish(session, ISSUE)
    first, second = f.customer(session, "First"), f.customer(session, "Second")
    taken = f.invoice(session, first, ISSUE, 10_000)
    other = f.invoice(session, second, ISSUE, 10_000)
    day = DUE + timedelta(days=1)
    key = f"dunning:{first.id}:{taken.id}:1:reminder:{taken.policy_version_id}"

    def concurrent_run_commits(customer_id: uuid.UUID) -> None:
        if customer_id != first.id:
            return
        message = enqueue_email(session, key, rendered=RenderedEmail(["x@y.test"], "theirs", "theirs")).message
        assert taken.policy_version_id is not None
        theirs = DunningAction(
            customer_id=first.id,
            invoice_id=taken.id,
            step_key="1:reminder",
            policy_version_id=taken.policy_version_id,
            action="reminder",
            action_date=day,
            outbox_message_id=message.id,
            created_at=clock.now(),
        )
        session.add(theirs)
        session.flush()

    with f.on(day):
        report = run_dunning(session, day, customer_ids=[first.id, second.id], after_customer=concurrent_run_commits)
    assert [a.customer_id for a in report.actions] == [second.id]
    assert report.errors == [f"{first.name}: another run took the same step at the same time; left to it"]
    messages = session.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).scalars().all()
    assert [json.loads(m.payload_json)["subject"] for m in messages] == ["theirs"]
    assert f.actions_of(session, first) == [("2026-02-01", taken.number, "1:reminder", "reminder")]
    assert f.actions_of(session, second) == [("2026-02-01", other.number, "1:reminder", "reminder")]


def test_an_action_whose_notice_key_was_spent_points_to_the_existing_message(session: Session) -> None:
    f.publish(session, ISSUE)
    owner = f.customer(session)
    inv = f.invoice(session, owner, ISSUE, 10_000)
    assert inv.policy_version_id is not None
    spent = enqueue_email(session, "spent-key", rendered=RenderedEmail(["a@b.test"], "s", "t")).message
    writer = BulkWriter()
    new_id = writer.email("spent-key", RenderedEmail(["a@b.test"], "again", "again"), inv.id)
    row = DunningAction(
        customer_id=owner.id,
        invoice_id=inv.id,
        step_key="1:reminder",
        policy_version_id=inv.policy_version_id,
        action="reminder",
        action_date=DUE,
        details_json="{}",
        outbox_message_id=new_id,
        created_at=f.at(DUE),
    )
    writer.add_action(row)
    assert writer.flush(session) == set()
    stored = session.execute(select(DunningAction).where(DunningAction.invoice_id == inv.id)).scalar_one()
    assert stored.outbox_message_id == spent.id != new_id
    count = select(func.count()).where(OutboxMessage.idempotency_key == "spent-key")
    assert session.execute(count).scalar_one() == 1


def test_the_daily_scan_enqueues_one_job_per_candidate_once(session: Session) -> None:
    f.publish(session, ISSUE)
    due, early = f.customer(session, "Due"), f.customer(session, "Early")
    f.invoice(session, due, ISSUE, 10_000)
    f.invoice(session, early, ISSUE + timedelta(days=20), 10_000)
    day = DUE + timedelta(days=1)
    with f.on(day):
        enqueue_daily_dunning(session, day)
        enqueue_daily_dunning(session, day)
    stmt = select(OutboxMessage).where(OutboxMessage.kind == CUSTOMER_KIND, OutboxMessage.subject_id == str(due.id))
    jobs = session.execute(stmt).scalars().all()
    assert [(j.idempotency_key, json.loads(j.payload_json), j.status, j.priority) for j in jobs] == [
        (f"dunning:{due.id}:2026-02-01", {"customer_id": str(due.id), "date": "2026-02-01"}, "pending", 100)
    ]
    early_jobs = select(func.count()).where(OutboxMessage.subject_id == str(early.id))
    assert session.execute(early_jobs).scalar_one() == 0
