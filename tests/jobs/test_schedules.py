"""Daily schedules run once per local day, at the local time, and enqueue idempotent jobs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.jobs import registry
from cspdesk.jobs.outbox import enqueue
from cspdesk.jobs.scheduler import run_due_schedules
from cspdesk.kit import clock
from cspdesk.models.jobs_schedule_run import ScheduleRun
from cspdesk.models.outbox import OutboxMessage

RAN_ON: list[date] = []


def _daily_scan(session: Session, run_date: date) -> int:
    """Enqueues one job per "due row" (here: two fixed rows) with a key naming the day."""
    RAN_ON.append(run_date)
    for row in ("row-1", "row-2"):
        enqueue(session, "test.echo", {"value": row}, f"test-daily:{row}:{run_date.isoformat()}")
    return 2


@pytest.fixture(autouse=True)
def test_schedule() -> Iterator[None]:
    RAN_ON.clear()
    registry.schedule("test.daily", at=time(6, 30), timezone="Europe/Berlin")(_daily_scan)
    yield
    registry.unregister_schedule("test.daily")


def _outbox_count(session: Session) -> int:
    stmt = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.idempotency_key.like("test-daily:%"))
    return int(session.execute(stmt).scalar_one())


def test_runs_once_per_local_day_after_its_local_time(db: Database, settings: Settings, session: Session) -> None:
    # 05:29 UTC is 06:29 in Berlin (CET): not yet.
    with clock.frozen_at(datetime(2026, 11, 24, 5, 29, tzinfo=UTC)) as fixed:
        assert run_due_schedules(db, settings, "w1").get("test.daily") is None
        fixed.advance(timedelta(minutes=1))
        assert run_due_schedules(db, settings, "w1")["test.daily"] == 2
        fixed.advance(timedelta(hours=3))
        assert "test.daily" not in run_due_schedules(db, settings, "w2")
        # 23:30 UTC is 00:30 on the 25th in Berlin: a new local day, but before 06:30.
        fixed.set(datetime(2026, 11, 24, 23, 30, tzinfo=UTC))
        assert "test.daily" not in run_due_schedules(db, settings, "w2")
        fixed.set(datetime(2026, 11, 25, 5, 30, tzinfo=UTC))
        assert run_due_schedules(db, settings, "w2")["test.daily"] == 2
    assert [date(2026, 11, 24), date(2026, 11, 25)] == RAN_ON
    assert _outbox_count(session) == 4
    runs = session.execute(select(ScheduleRun.run_date, ScheduleRun.worker).where(ScheduleRun.name == "test.daily"))
    assert sorted(runs.all()) == [(date(2026, 11, 24), "w1"), (date(2026, 11, 25), "w2")]


def test_a_failing_scan_leaves_no_run_and_is_tried_again(db: Database, settings: Settings, session: Session) -> None:
    calls: list[date] = []

    def flaky(s: Session, run_date: date) -> int:
        calls.append(run_date)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        return 0

    registry.schedule("test.flaky", at=time(0, 0), timezone="UTC")(flaky)
    try:
        with clock.frozen_at(datetime(2026, 11, 24, 8, 0, tzinfo=UTC)):
            assert "test.flaky" not in run_due_schedules(db, settings, "w1")
            assert run_due_schedules(db, settings, "w1")["test.flaky"] == 0
            assert "test.flaky" not in run_due_schedules(db, settings, "w1")
    finally:
        registry.unregister_schedule("test.flaky")
    assert calls == [date(2026, 11, 24), date(2026, 11, 24)]
