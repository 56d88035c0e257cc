"""Partner Center actions that staff carry out by hand when cspdesk has no API credentials (manual mode)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspdesk.db import UTCDateTime
from cspdesk.models.base import Base, IdMixin
from cspdesk.models.customer import Customer
from cspdesk.models.subscription import Subscription

MANUAL_TASK_STATUSES = ("open", "done", "cancelled")
MANUAL_TASK_ACTIONS = ("suspend", "reactivate", "cancel_entitlement", "reactivate_entitlement")


class ManualTask(IdMixin, Base):
    """One action for staff, e.g. "suspend subscription X (customer Y) in Partner Center", confirmed by a click."""

    __tablename__ = "manual_tasks"
    __table_args__ = (Index("ix_manual_tasks_open", "status", "created_at"),)

    # One task per outbox message: a retried handler never makes a second task.
    outbox_message_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    action: Mapped[str] = mapped_column(String(30))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    entitlement_id: Mapped[str] = mapped_column(String(64), default="")
    target_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    done_by_label: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    customer: Mapped[Customer] = relationship(lazy="joined")
    subscription: Mapped[Subscription] = relationship(lazy="joined")
