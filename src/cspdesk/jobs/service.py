"""Staff actions on the outbox."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.jobs import repository
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import Conflict
from cspdesk.models.outbox import OutboxMessage

RETRY_EXTRA_ATTEMPTS = 3
FIELDS = ["status", "attempts", "max_attempts", "next_attempt_at", "last_error"]


def retry_message(session: Session, principal: Principal, message_id: uuid.UUID) -> OutboxMessage:
    """Run a failed (or waiting) message again now, with a few more attempts; the idempotency key stays the same."""
    principal.require(Permission.OUTBOX_MANAGE)
    message = repository.access_message(session, principal, message_id)
    now = clock.now()
    if message.status not in ("failed", "pending"):
        raise Conflict(f"a {message.status} message cannot be retried")
    if message.locked_until is not None and message.locked_until > now:
        raise Conflict("a worker is carrying out this message right now")
    before = audit.snapshot(message, FIELDS)
    message.status = "pending"
    message.next_attempt_at = now
    message.max_attempts = max(message.max_attempts, message.attempts + RETRY_EXTRA_ATTEMPTS)
    session.flush()
    old, new = audit.changed(before, audit.snapshot(message, FIELDS))
    audit.record(session, principal, "outbox.retry", "outbox_message", message.id, before=old, after=new)
    return message
