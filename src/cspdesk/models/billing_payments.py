"""Money received from customers: payments, their allocation to invoices, bank statement lines, webhook events.

A customer's credit is the unallocated part of its payments (over-payments); refunds are negative payments.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspdesk.db import UTCDateTime
from cspdesk.models.base import Base, IdMixin
from cspdesk.models.customer import Customer

PAYMENT_KINDS = ("payment", "refund")
PAYMENT_METHODS = ("manual", "bank", "webhook")
BANK_LINE_STATUSES = ("unmatched", "matched", "assigned", "ignored")


class Payment(IdMixin, Base):
    """Money received (positive) or paid back (refund, negative) in the customer's billing currency."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("external_id", name="uq_payments_external_id"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="payment")
    method: Mapped[str] = mapped_column(String(20), default="manual")
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    received_date: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(200), default="")
    # Bank line or provider event id: the same money is never recorded twice.
    external_id: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(254))

    customer: Mapped[Customer] = relationship(lazy="joined")
    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="payment", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def allocated_minor(self) -> int:
        return sum(a.amount_minor for a in self.allocations)

    @property
    def unallocated_minor(self) -> int:
        return self.amount_minor - self.allocated_minor


class PaymentAllocation(IdMixin, Base):
    __tablename__ = "payment_allocations"

    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    payment: Mapped[Payment] = relationship(back_populates="allocations")


class BankStatementLine(IdMixin, Base):
    """A credit from an imported bank statement; unmatched ones wait for a person to assign them."""

    __tablename__ = "bank_statement_lines"
    __table_args__ = (UniqueConstraint("line_key", name="uq_bank_statement_lines_line_key"),)

    line_key: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    line_no: Mapped[int] = mapped_column(Integer)
    booking_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(500), default="")
    counterparty: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(20), default="unmatched")
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("payments.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookEvent(IdMixin, Base):
    """A payment provider event, kept once per event id so redeliveries change nothing."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("event_id", name="uq_webhook_events_event_id"),)

    event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(60))
    payload_json: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(String(200), default="")
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("payments.id", ondelete="SET NULL"))
