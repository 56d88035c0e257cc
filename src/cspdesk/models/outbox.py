"""The outbox: side effects (emails, Partner Center calls) decided in a transaction, carried out after commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cspdesk.db import UTCDateTime
from cspdesk.models.base import Base, IdMixin

OUTBOX_STATUSES = ("pending", "done", "failed", "cancelled")


class OutboxMessage(IdMixin, Base):
    """One action to carry out exactly once: the idempotency key is unique, so deciding it twice adds nothing."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at", "priority"),)

    kind: Mapped[str] = mapped_column(String(60))
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    payload_json: Mapped[str] = mapped_column(Text)
    # Lower runs first: reactivations go ahead of suspensions.
    priority: Mapped[int] = mapped_column(Integer, default=100)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=12)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_by: Mapped[str | None] = mapped_column(String(120))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the handler did, in words for staff ("suspended in Partner Center", "already active").
    result: Mapped[str] = mapped_column(Text, default="")
    subject_type: Mapped[str] = mapped_column(String(40), default="")
    subject_id: Mapped[str] = mapped_column(String(80), default="", index=True)
