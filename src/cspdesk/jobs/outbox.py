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
) -> Enqueued:
    """Add an action unless one with the same idempotency key exists; never the same action twice."""
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
    )
    session.add(message)
    session.flush()
    return Enqueued(message, created=True)


def payload_of(message: OutboxMessage) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(message.payload_json)
    return data
