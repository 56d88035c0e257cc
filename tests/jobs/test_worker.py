"""The worker: claim with a lease, act after the claim commits, done / retry with backoff / failed, priorities."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.jobs import claims
from cspdesk.jobs.backoff import backoff_seconds
from cspdesk.jobs.errors import PermanentFailure, RetryLater
from cspdesk.jobs.outbox import PRIORITY_REACTIVATE, PRIORITY_SUSPEND, cancel_pending, enqueue
from cspdesk.kit import clock
from cspdesk.kit.clock import FixedClock
from cspdesk.models.outbox import OutboxMessage
from tests.jobs import helpers
from tests.jobs.helpers import make_worker

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[FixedClock]:
    helpers.reset()
    with clock.frozen_at(T0) as fixed:
        yield fixed


def _add(db: Database, key: str, *, priority: int = 100, subject_id: str = "", max_attempts: int = 12) -> None:
    with db.unit_of_work() as s:
        enqueue(
            s,
            "test.echo",
            {"value": key},
            key,
            priority=priority,
            subject_type="t",
            subject_id=subject_id,
            max_attempts=max_attempts,
        )


def _message(session: Session, key: str) -> OutboxMessage:
    session.expire_all()
    return session.execute(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).scalar_one()


def test_a_due_message_is_carried_out_once_and_marked_done(db: Database, settings: Settings, session: Session) -> None:
    _add(db, "k-1")
    outcomes = make_worker(db, settings).drain()
    assert [o.status for o in outcomes] == ["done"]
    message = _message(session, "k-1")
    assert (message.status, message.attempts, message.result, message.done_at) == ("done", 1, "echoed k-1", T0)
    assert (message.locked_by, message.locked_until, message.last_error) == (None, None, None)
    assert make_worker(db, settings).drain() == []
    assert helpers.CALLS == [("k-1", {"value": "k-1"})]


def test_enqueue_twice_with_the_same_key_adds_nothing(db: Database, session: Session) -> None:
    with db.unit_of_work() as s:
        first = enqueue(s, "test.echo", {"value": 1}, "same")
        second = enqueue(s, "test.echo", {"value": 2}, "same")
    assert (first.created, second.created, second.message.id) == (True, False, first.message.id)


def test_a_failure_is_recorded_and_retried_after_exponential_backoff(
    db: Database, settings: Settings, session: Session, frozen: FixedClock
) -> None:
    helpers.SCRIPT["k-2"] = [RuntimeError("smtp down"), RuntimeError("smtp still down")]
    _add(db, "k-2")
    worker = make_worker(db, settings)
    assert [o.status for o in worker.drain()] == ["retry"]
    message = _message(session, "k-2")
    rng = random.Random(1)
    first_delay = backoff_seconds(1, base=30.0, cap=3600.0, rng=rng)
    assert (message.status, message.attempts, message.last_error) == ("pending", 1, "RuntimeError: smtp down")
    assert message.next_attempt_at == T0 + timedelta(seconds=first_delay)
    assert 15.0 <= first_delay <= 30.0
    assert worker.drain() == []  # not due yet
    first_due = message.next_attempt_at
    frozen.set(first_due)
    assert [o.status for o in worker.drain()] == ["retry"]
    second = _message(session, "k-2")
    second_delay = backoff_seconds(2, base=30.0, cap=3600.0, rng=rng)
    assert second.next_attempt_at == first_due + timedelta(seconds=second_delay)
    assert 30.0 <= second_delay <= 60.0
    frozen.set(second.next_attempt_at)
    assert [o.status for o in worker.drain()] == ["done"]
    assert (_message(session, "k-2").status, _message(session, "k-2").attempts) == ("done", 3)


def test_after_max_attempts_the_message_fails_and_stays_visible(
    db: Database, settings: Settings, session: Session, frozen: FixedClock
) -> None:
    helpers.SCRIPT["k-3"] = [RuntimeError(f"boom {n}") for n in range(5)]
    _add(db, "k-3", max_attempts=2)
    worker = make_worker(db, settings)
    worker.drain()
    frozen.advance(timedelta(hours=2))
    assert [o.status for o in worker.drain()] == ["failed"]
    message = _message(session, "k-3")
    assert (message.status, message.attempts, message.last_error) == ("failed", 2, "RuntimeError: boom 1")
    frozen.advance(timedelta(days=2))
    assert worker.drain() == []


def test_retry_later_uses_its_delay_and_permanent_failure_fails_at_once(
    db: Database, settings: Settings, session: Session
) -> None:
    helpers.SCRIPT["later"] = [RetryLater("renewal in progress", delay_seconds=120)]
    helpers.SCRIPT["never"] = [PermanentFailure("800091: cannot update a suspended subscription")]
    _add(db, "later")
    _add(db, "never")
    make_worker(db, settings).drain()
    later, never = _message(session, "later"), _message(session, "never")
    assert (later.status, later.next_attempt_at) == ("pending", T0 + timedelta(seconds=120))
    assert later.last_error == "renewal in progress (retry in 120 s)"
    assert (never.status, never.attempts, never.last_error) == (
        "failed",
        1,
        "800091: cannot update a suspended subscription",
    )


def test_a_message_without_a_handler_fails_with_a_clear_error(
    db: Database, settings: Settings, session: Session
) -> None:
    with db.unit_of_work() as s:
        enqueue(s, "nobody.handles.this", {}, "orphan")
    make_worker(db, settings).drain()
    message = _message(session, "orphan")
    assert (message.status, message.last_error) == ("failed", "no handler is registered for 'nobody.handles.this'")


def test_reactivations_run_before_suspensions(db: Database, settings: Settings) -> None:
    _add(db, "suspend-1", priority=PRIORITY_SUSPEND)
    _add(db, "default-1")
    _add(db, "reactivate-1", priority=PRIORITY_REACTIVATE)
    make_worker(db, settings).drain()
    assert [key for key, _ in helpers.CALLS] == ["reactivate-1", "default-1", "suspend-1"]


def test_an_expired_lease_is_taken_over_and_the_late_worker_loses(
    db: Database, settings: Settings, session: Session, frozen: FixedClock
) -> None:
    _add(db, "crashy")
    with db.unit_of_work() as s:  # worker A claims, then "crashes" before acting
        claimed = claims.claim_one(s, "worker-a", settings.outbox_lease_seconds)
    assert claimed is not None
    other = make_worker(db, settings, worker_id="worker-b")
    assert other.drain() == []  # leased
    frozen.advance(timedelta(seconds=settings.outbox_lease_seconds))
    assert [o.status for o in other.drain()] == ["done"]
    message = _message(session, "crashy")
    assert (message.status, message.attempts) == ("done", 2)
    assert make_worker(db, settings, worker_id="worker-a")._carry_out(claimed).status == "lost"
    assert helpers.CALLS == [("crashy", {"value": "crashy"})]


def test_messages_about_one_subject_run_one_at_a_time(db: Database, settings: Settings, session: Session) -> None:
    _add(db, "first", subject_id="sub-1")
    _add(db, "second", subject_id="sub-1")
    _add(db, "elsewhere", subject_id="sub-2")
    first, elsewhere = _message(session, "first").id, _message(session, "elsewhere").id
    session.rollback()
    claimed = []
    for worker_id in ("worker-a", "worker-b", "worker-b"):
        with db.unit_of_work() as s:
            claimed.append(claims.claim_one(s, worker_id, 300))
    assert claimed == [first, elsewhere, None]


def test_a_newer_decision_cancels_pending_ones_about_the_same_subject(db: Database, session: Session) -> None:
    _add(db, "old", subject_id="sub-9")
    with db.unit_of_work() as s:
        cancelled = cancel_pending(s, "test.echo", "t", "sub-9", keep="new", reason="superseded by new")
    assert [m.idempotency_key for m in cancelled] == ["old"]
    message = _message(session, "old")
    assert (message.status, message.result) == ("cancelled", "superseded by new")
