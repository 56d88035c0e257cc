"""The payment policy's versions and what the dunning engine did under them (notices, fees, suspensions)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cspdesk.db import UTCDateTime
from cspdesk.models.base import Base, IdMixin

SUSPENSION_SOURCES = ("policy", "manual")


class PolicyVersion(IdMixin, Base):
    """One published payment policy; the newest published one is in force, older ones stay readable."""

    __tablename__ = "policy_versions"

    version: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    yaml_text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by: Mapped[str] = mapped_column(String(254))


class DunningAction(IdMixin, Base):
    """One step carried out for one invoice; the unique (invoice, step, policy version) makes each step run once."""

    __tablename__ = "dunning_actions"
    __table_args__ = (
        UniqueConstraint("invoice_id", "step_key", "policy_version_id", name="uq_dunning_actions_step"),
        Index("ix_dunning_actions_customer_date", "customer_id", "action_date"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"))
    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("invoices.id", ondelete="CASCADE"))
    step_key: Mapped[str] = mapped_column(String(40))
    policy_version_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("policy_versions.id"))
    # reminder | late_fee | suspension_warning | suspend | terminate | skipped
    action: Mapped[str] = mapped_column(String(30))
    action_date: Mapped[date] = mapped_column(Date)
    details_json: Mapped[str] = mapped_column(Text, default="{}")
    outbox_message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PromiseToPay(IdMixin, Base):
    """A customer's promise to pay an invoice by a date: the policy's steps wait until then."""

    __tablename__ = "promises_to_pay"

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    until_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InvoiceDispute(IdMixin, Base):
    """A dispute about an invoice; while open, the policy may pause the invoice's steps."""

    __tablename__ = "invoice_disputes"

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    reason: Mapped[str] = mapped_column(Text, default="")
    opened_by: Mapped[str] = mapped_column(String(254))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str | None] = mapped_column(String(254))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomerExemption(IdMixin, Base):
    """A customer exempt from the policy's steps until a date (inclusive)."""

    __tablename__ = "customer_exemptions"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    until_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PolicySuspension(IdMixin, Base):
    """A subscription suspended by the policy or by staff; only the policy's own ones are reactivated on payment."""

    __tablename__ = "policy_suspensions"
    __table_args__ = (Index("ix_policy_suspensions_open", "customer_id", "reactivated_at"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"))
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(10))  # policy | manual
    reason: Mapped[str] = mapped_column(Text, default="")
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("invoices.id", ondelete="SET NULL"))
    policy_version_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("policy_versions.id"))
    suspended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    suspended_by: Mapped[str] = mapped_column(String(254))
    suspend_message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reactivated_by: Mapped[str | None] = mapped_column(String(254))
    reactivate_reason: Mapped[str] = mapped_column(Text, default="")
    reactivate_message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
