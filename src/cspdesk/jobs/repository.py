"""Queries over the outbox for staff."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import Principal
from cspdesk.kit.errors import NotFound
from cspdesk.models.outbox import OutboxMessage


def readable_messages(principal: Principal, *, status: str = "", kind: str = "", q: str = "") -> Select[Any]:
    """Newest first; `q` matches the idempotency key, the subject id or the last error."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id)
    if not principal.is_staff:
        return stmt.where(OutboxMessage.id.is_(None))
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    if q.strip():
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(OutboxMessage.idempotency_key).like(like),
                func.lower(OutboxMessage.subject_id).like(like),
                func.lower(func.coalesce(OutboxMessage.last_error, "")).like(like),
            )
        )
    return stmt


def access_message(session: Session, principal: Principal, message_id: uuid.UUID) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    if message is None or not principal.is_staff:
        raise NotFound("outbox message not found")
    return message


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {str(status): int(count) for status, count in rows}


def kinds(session: Session) -> list[str]:
    return [
        str(k) for k in session.execute(select(OutboxMessage.kind).distinct().order_by(OutboxMessage.kind)).scalars()
    ]
