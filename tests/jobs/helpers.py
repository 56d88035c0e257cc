"""Test handlers and a worker factory for the outbox tests."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from sqlalchemy import update

from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.jobs.context import JobContext, Resources
from cspdesk.jobs.errors import PermanentFailure, RetryLater
from cspdesk.jobs.registry import handler
from cspdesk.jobs.worker import Worker
from cspdesk.models.outbox import OutboxMessage

TEST_KINDS = frozenset(
    {
        "test.echo",
        "test.pg_parallel",
        "email.send",
        "pc.subscription_status",
        "pc.azure_entitlement",
        "nobody.handles.this",
    }
)
CALLS: list[tuple[str, dict[str, Any]]] = []
# Per key: what the next calls raise, in order; nothing left means success.
SCRIPT: dict[str, list[Exception]] = {}


@handler("test.echo")
def echo(context: JobContext) -> None:
    key = context.message.idempotency_key
    CALLS.append((key, context.payload))
    failures = SCRIPT.get(key, [])
    if failures:
        raise failures.pop(0)
    context.result = f"echoed {context.payload.get('value')}"


def reset() -> None:
    CALLS.clear()
    SCRIPT.clear()


def make_worker(
    database: Database,
    settings: Settings,
    *,
    worker_id: str = "worker-a",
    resources: Resources | None = None,
    before_commit: Callable[[Any], None] | None = None,
    kinds: frozenset[str] | None = None,
) -> Worker:
    """A worker for one test's messages only: the shared test world holds other domains' messages."""
    return Worker(
        database,
        settings,
        resources=resources or Resources(settings),
        worker_id=worker_id,
        rng=random.Random(1),
        before_commit=before_commit,
        kinds=kinds or TEST_KINDS,
        schedules=frozenset(),
    )


__all__ = ["PermanentFailure", "RetryLater", "make_worker", "reset"]


def park_world_messages(database: Database) -> None:
    """Cancel the world's pending messages inside this test's rolled-back transaction: drains see ours only."""
    with database.unit_of_work() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending").values(status="cancelled"))
