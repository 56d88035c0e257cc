"""Runs each registered daily schedule once per local day; the unique (name, date) row elects one worker."""

from __future__ import annotations

import logging
from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.jobs import registry
from cspdesk.jobs.registry import Schedule
from cspdesk.kit import clock
from cspdesk.models.jobs_schedule_run import ScheduleRun

logger = logging.getLogger(__name__)


def _daily_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def due_date(item: Schedule, settings: Settings) -> date | None:
    """Today's local date if the schedule's local time has passed, else None."""
    zone = ZoneInfo(item.timezone or settings.daily_run_timezone)
    at = item.at or _daily_time(settings.daily_run_time)
    local = clock.now().astimezone(zone)
    return local.date() if local.time() >= at else None


def _already_ran(database: Database, name: str, run_date: date) -> bool:
    with database.unit_of_work() as session:
        stmt = select(ScheduleRun.id).where(ScheduleRun.name == name, ScheduleRun.run_date == run_date)
        return session.execute(stmt).first() is not None


def run_schedule(database: Database, item: Schedule, run_date: date, worker_id: str) -> int | None:
    """Run one schedule for `run_date` unless it ran already; returns how many jobs it enqueued, None if skipped.

    The run row and the jobs it enqueues commit together: a crash mid-scan leaves nothing, and the next loop retries.
    """
    if _already_ran(database, item.name, run_date):
        return None
    try:
        with database.unit_of_work() as session:
            run = ScheduleRun(name=item.name, run_date=run_date, started_at=clock.now(), worker=worker_id)
            session.add(run)
            session.flush()
            run.enqueued = item.run(session, run_date)
            return run.enqueued
    except IntegrityError:
        return None  # another worker ran it


def run_due_schedules(
    database: Database, settings: Settings, worker_id: str, *, only: frozenset[str] | None = None
) -> dict[str, int]:
    """Every schedule whose local time has passed today and that has not run today; failures retry next loop."""
    ran: dict[str, int] = {}
    for item in registry.schedules():
        if only is not None and item.name not in only:
            continue
        run_date = due_date(item, settings)
        if run_date is None:
            continue
        try:
            enqueued = run_schedule(database, item, run_date, worker_id)
        except Exception:
            logger.exception("schedule %s failed; it will be tried again", item.name)
            continue
        if enqueued is not None:
            ran[item.name] = enqueued
    return ran
