"""Support plans the partner sells, which plan each customer has, the partner's support profile and packages."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspdesk.db import UTCDateTime
from cspdesk.kit import clock
from cspdesk.models.base import Base, IdMixin, TimestampMixin

CHANNELS = ("portal", "email", "phone")
PACKAGE_TYPES = ("premier", "advanced", "signature")


class SupportPlan(IdMixin, TimestampMixin, Base):
    """A support offering: channels, a business-hours calendar and SLA targets (business minutes) per severity.

    `calendar` is `BusinessCalendar.to_dict()`; `targets` maps "A"/"B"/"C" to {"first_response", "resolution"}.
    `terms_id` names the current `SupportPlanTerms` (the same calendar and targets), which new tickets keep.
    """

    __tablename__ = "support_plans"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    calendar: Mapped[dict[str, Any]] = mapped_column(JSON)
    targets: Mapped[dict[str, Any]] = mapped_column(JSON)
    monthly_price_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    terms_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("support_plan_terms.id"))


class SupportPlanTerms(IdMixin, Base):
    """A plan's calendar and targets from `created_at` on, never changed: a ticket keeps the terms it was opened
    under, so editing a plan or moving the customer to another plan does not move an open ticket's due times.
    Outlives its plan (no foreign key to it), as the tickets opened under it still read it."""

    __tablename__ = "support_plan_terms"

    plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    plan_name: Mapped[str] = mapped_column(String(120))
    calendar: Mapped[dict[str, Any]] = mapped_column(JSON)
    targets: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class CustomerSupportPlan(Base):
    """Which plan a customer has; customers without a row get the default plan."""

    __tablename__ = "customer_support_plans"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("support_plans.id", ondelete="RESTRICT"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    plan: Mapped[SupportPlan] = relationship(lazy="joined")


class SupportProfile(IdMixin, Base):
    """The partner's support contact shown to customers (one row), plus partner-wide support settings."""

    __tablename__ = "support_profiles"

    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    hours_text: Mapped[str] = mapped_column(Text, default="")
    # An indirect reseller's Azure technical cases go through its indirect provider, not to Microsoft directly.
    indirect_reseller: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class PartnerSupportPackage(IdMixin, Base):
    """A Microsoft partner support package; technical escalations need one valid today."""

    __tablename__ = "partner_support_packages"

    package_type: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    def active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class CannedReply(IdMixin, TimestampMixin, Base):
    __tablename__ = "canned_replies"

    title: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text)
