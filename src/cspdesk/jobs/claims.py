"""Claiming outbox rows with a lease, and recording how an attempt ended; each function is one transaction step."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from cspdesk.kit import clock
from cspdesk.models.outbox import OutboxMessage

MAX_ERROR_CHARS = 4000


def _due_rows(now: Any) -> Any:
    """Pending, due, not leased, and no other message about the same subject in flight (keeps per-object order)."""
    other = aliased(OutboxMessage)
    in_flight = exists().where(
        other.subject_type == OutboxMessage.subject_type,
        other.subject_id == OutboxMessage.subject_id,
        other.id != OutboxMessage.id,
        other.status == "pending",
        other.locked_until.is_not(None),
        other.locked_until > now,
    )
    return and_(
        OutboxMessage.status == "pending",
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now),
        or_(OutboxMessage.subject_id == "", ~in_flight),
    )


def claim_one(
    session: Session, worker_id: str, lease_seconds: int, kinds: frozenset[str] | None = None
) -> uuid.UUID | None:
    """Lease the most urgent due message to `worker_id` and count the attempt; the caller commits before acting.

    On PostgreSQL the candidate row is locked with SKIP LOCKED, so concurrent workers pick different rows; the
    conditional UPDATE makes the claim safe on SQLite too. `kinds` restricts a worker to some message kinds.
    """
    now = clock.now()
    stmt = (
        select(OutboxMessage.id)
        .where(_due_rows(now))
        .order_by(OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.created_at)
        .limit(1)
    )
    if kinds is not None:
        stmt = stmt.where(OutboxMessage.kind.in_(sorted(kinds)))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=OutboxMessage)
    candidate = session.execute(stmt).scalar_one_or_none()
    if candidate is None:
        return None
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == candidate,
            OutboxMessage.status == "pending",
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now),
        )
        .values(
            locked_by=worker_id,
            locked_until=now + timedelta(seconds=lease_seconds),
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return candidate if cast(CursorResult[Any], claimed).rowcount == 1 else None


def load_claimed(session: Session, message_id: uuid.UUID, worker_id: str) -> OutboxMessage | None:
    """The message if this worker still holds its lease; on PostgreSQL the row stays locked until commit."""
    stmt = select(OutboxMessage).where(OutboxMessage.id == message_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    message = session.execute(stmt).scalar_one_or_none()
    if message is None or message.status != "pending" or message.locked_by != worker_id:
        return None
    return message


def mark_done(message: OutboxMessage, result: str) -> None:
    message.status = "done"
    message.done_at = clock.now()
    message.result = result[:MAX_ERROR_CHARS]
    message.last_error = None
    message.locked_by = None
    message.locked_until = None


def record_failure(message: OutboxMessage, error: str, delay_seconds: float | None) -> None:
    """Keep the error; retry after `delay_seconds`, or mark failed (no delay, or attempts used up)."""
    message.last_error = error[:MAX_ERROR_CHARS]
    message.locked_by = None
    message.locked_until = None
    if delay_seconds is None or message.attempts >= message.max_attempts:
        message.status = "failed"
        return
    message.next_attempt_at = clock.now() + timedelta(seconds=delay_seconds)
