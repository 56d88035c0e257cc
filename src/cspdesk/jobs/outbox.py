"""Writing to the outbox. Call enqueue() inside the business transaction; the worker acts after commit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.kit import clock
from cspdesk.models.outbox import OutboxMessage

PRIORITY_REACTIVATE = 10
PRIORITY_DEFAULT = 100
PRIORITY_SUSPEND = 200


@dataclass(frozen=True)
class Enqueued:
    message: OutboxMessage
    created: bool


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    idempotency_key: str,
    *,
    priority: int = PRIORITY_DEFAULT,
    not_before: datetime | None = None,
    subject_type: str = "",
    subject_id: str = "",
    max_attempts: int | None = None,
    new_key: bool = False,
) -> Enqueued:
    """Add an action unless one with the same idempotency key exists; never the same action twice.

    A key is spent once used, even if its message was cancelled: to decide an action again, use a new key.
    `new_key`: the key names an object made in this same transaction, so no message can hold it yet and the
    lookup is skipped (the unique key still refuses a duplicate).
    """
    existing = None
    if not new_key:
        existing = session.execute(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
        ).scalar_one_or_none()
    if existing is not None:
        return Enqueued(existing, created=False)
    now = clock.now()
    message = OutboxMessage(
        kind=kind,
        idempotency_key=idempotency_key,
        payload_json=json.dumps(payload, sort_keys=True, default=str),
        priority=priority,
        status="pending",
        next_attempt_at=not_before or now,
        created_at=now,
        subject_type=subject_type,
        subject_id=subject_id,
        result="",
    )
    if max_attempts is not None:
        message.max_attempts = max_attempts
    session.add(message)
    session.flush()
    return Enqueued(message, created=True)


def payload_of(message: OutboxMessage) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(message.payload_json)
    return data


def cancel_pending(
    session: Session, kind: str, subject_type: str, subject_id: str, *, keep: str, reason: str
) -> list[OutboxMessage]:
    """Cancel not-yet-started messages of `kind` about one subject (except the key `keep`): a newer decision wins.

    Messages leased by a worker are in flight and finish; the per-subject ordering runs the newer one after them.
    """
    now = clock.now()
    stmt = select(OutboxMessage).where(
        OutboxMessage.kind == kind,
        OutboxMessage.subject_type == subject_type,
        OutboxMessage.subject_id == subject_id,
        OutboxMessage.status == "pending",
        OutboxMessage.idempotency_key != keep,
    )
    cancelled = []
    for message in session.execute(stmt).scalars():
        if message.locked_until is not None and message.locked_until > now:
            continue
        message.status = "cancelled"
        message.result = reason
        message.done_at = now
        cancelled.append(message)
    session.flush()
    return cancelled
