"""Customers of the partner, their groups and billing contacts."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspdesk.models.base import Base, IdMixin, TimestampMixin

CUSTOMER_STATUSES = ("active", "inactive", "prospect")
LANGUAGES = ("en", "ru")


class CustomerGroup(IdMixin, TimestampMixin, Base):
    __tablename__ = "customer_groups"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)


class Customer(IdMixin, TimestampMixin, Base):
    __tablename__ = "customers"

    name: Mapped[str] = mapped_column(String(200), index=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    primary_domain: Mapped[str] = mapped_column(String(253), default="")
    country: Mapped[str] = mapped_column(String(2))
    billing_currency: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(5), default="en")
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("customer_groups.id", ondelete="SET NULL"), index=True
    )
    tax_id: Mapped[str] = mapped_column(String(64), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_terms_days: Mapped[int | None] = mapped_column(Integer)

    group: Mapped[CustomerGroup | None] = relationship(lazy="joined")
    contacts: Mapped[list[BillingContact]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="BillingContact.name",
    )

    @property
    def group_name(self) -> str | None:
        return self.group.name if self.group else None


class BillingContact(IdMixin, Base):
    __tablename__ = "billing_contacts"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")

    customer: Mapped[Customer] = relationship(back_populates="contacts")
