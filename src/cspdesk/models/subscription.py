"""Microsoft subscriptions held by customers."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspdesk.models.base import Base, IdMixin, TimestampMixin
from cspdesk.models.customer import Customer


class ProductFamily(StrEnum):
    """The one list of product families; the importer, the policy and the forms all use it."""

    AZURE_PLAN = "azure_plan"
    MICROSOFT_365 = "microsoft_365"
    DYNAMICS_365 = "dynamics_365"
    SOFTWARE = "software"
    MARKETPLACE = "marketplace"
    OTHER = "other"


PRODUCT_FAMILIES = tuple(family.value for family in ProductFamily)
KNOWN_STATUSES = ("active", "suspended", "expired", "disabled", "deleted", "pending")
TERMS = ("P1M", "P1Y", "P3Y")
BILLING_FREQUENCIES = ("monthly", "annual", "triennial", "one_time", "usage")


class Subscription(IdMixin, TimestampMixin, Base):
    __tablename__ = "subscriptions"

    microsoft_id: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[str] = mapped_column(String(120), default="")
    sku_id: Mapped[str] = mapped_column(String(64), default="")
    product_name: Mapped[str] = mapped_column(String(250))
    product_family: Mapped[str] = mapped_column(String(20), default="other")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_type: Mapped[str] = mapped_column(String(40), default="Licenses")
    term: Mapped[str | None] = mapped_column(String(8))
    billing_frequency: Mapped[str | None] = mapped_column(String(20))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=True)
    # Kept as Microsoft sent it: unknown values are stored, never crashed on.
    status: Mapped[str] = mapped_column(String(40), default="active")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(lazy="joined")

    @property
    def status_known(self) -> bool:
        return self.status in KNOWN_STATUSES
