"""Several workers on PostgreSQL never take the same row (SKIP LOCKED), on committed rows."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import Engine, delete

from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.jobs.context import JobContext
from cspdesk.jobs.outbox import enqueue
from cspdesk.jobs.registry import handler
from cspdesk.models.outbox import OutboxMessage
from tests.jobs.helpers import make_worker

MESSAGES = 200
SEEN: list[tuple[str, str]] = []
SEEN_LOCK = threading.Lock()


@handler("test.pg_parallel")
def _record(context: JobContext) -> None:
    with SEEN_LOCK:
        SEEN.append((context.message.idempotency_key, str(context.message.locked_by)))


@pytest.mark.postgres
def test_two_workers_in_threads_split_the_outbox_without_overlap(
    engine: Engine, database_url: str, settings: Settings
) -> None:
    database = Database.from_url(database_url)
    run = uuid.uuid4().hex[:8]
    try:
        with database.unit_of_work() as session:
            for number in range(MESSAGES):
                enqueue(session, "test.pg_parallel", {"n": number}, f"pg:{run}:{number}")
        workers = [
            make_worker(database, settings, worker_id=f"pg-{name}", kinds=frozenset({"test.pg_parallel"}))
            for name in ("a", "b")
        ]
        threads = [threading.Thread(target=w.drain) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        mine = [(key, by) for key, by in SEEN if key.startswith(f"pg:{run}:")]
        assert Counter(key for key, _ in mine) == {f"pg:{run}:{n}": 1 for n in range(MESSAGES)}
        by_worker = Counter(by for _, by in mine)
        assert set(by_worker) == {"pg-a", "pg-b"}
    finally:
        with database.unit_of_work() as session:
            session.execute(delete(OutboxMessage).where(OutboxMessage.idempotency_key.like(f"pg:{run}:%")))
        database.engine.dispose()
