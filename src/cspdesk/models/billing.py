"""Customer billing: price rules, taxes, exchange rates, partner charges, invoice runs, invoices and their lines."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspdesk.db import ExactDecimal, UTCDateTime
from cspdesk.models.base import Base, IdMixin, TimestampMixin
from cspdesk.models.customer import Customer

PRICE_MODES = ("markup_cost", "markup_list", "fixed_unit_price", "pass_through")
INVOICE_KINDS = ("invoice", "credit_note")
INVOICE_STATUSES = ("draft", "issued", "void")
LINE_KINDS = ("license", "usage", "usage_breakdown", "recurring", "one_off", "late_fee", "credit")
RUN_STATUSES = ("running", "completed", "failed")
EXEMPTION_KINDS = ("exempt", "reverse_charge")


class PriceRule(IdMixin, TimestampMixin, Base):
    """How a customer is charged for Microsoft lines; the most specific matching rule wins."""

    __tablename__ = "price_rules"

    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("customer_groups.id", ondelete="CASCADE"))
    sku_id: Mapped[str] = mapped_column(String(64), default="")
    product_family: Mapped[str] = mapped_column(String(20), default="")
    mode: Mapped[str] = mapped_column(String(20))
    percent: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    fixed_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    fixed_currency: Mapped[str | None] = mapped_column(String(3))
    min_margin_percent: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    note: Mapped[str] = mapped_column(Text, default="")


class TaxRule(IdMixin, Base):
    """The tax of a country from a date on (e.g. DE 19 % 'USt')."""

    __tablename__ = "tax_rules"
    __table_args__ = (UniqueConstraint("country", "valid_from", name="uq_tax_rules_country_from"),)

    country: Mapped[str] = mapped_column(String(2))
    rate_percent: Mapped[Decimal] = mapped_column(ExactDecimal)
    name: Mapped[str] = mapped_column(String(60))
    valid_from: Mapped[date] = mapped_column(Date)


class TaxExemption(IdMixin, Base):
    """A customer that is charged no tax (exempt or reverse charge), with the legal note printed on invoices."""

    __tablename__ = "tax_exemptions"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    legal_note: Mapped[str] = mapped_column(Text)


class ExchangeRate(IdMixin, Base):
    """One unit of from_currency is `rate` units of to_currency, from valid_from on."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("from_currency", "to_currency", "valid_from", name="uq_exchange_rates_day"),)

    from_currency: Mapped[str] = mapped_column(String(3))
    to_currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(ExactDecimal)
    valid_from: Mapped[date] = mapped_column(Date)


class RecurringCharge(IdMixin, TimestampMixin, Base):
    """A partner charge billed every month (support plan, managed service) from next_period on."""

    __tablename__ = "recurring_charges"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(255))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    next_period: Mapped[str] = mapped_column(String(7))
    end_period: Mapped[str | None] = mapped_column(String(7))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class OneOffCharge(IdMixin, TimestampMixin, Base):
    """A partner charge billed once, on the next invoice run of its customer."""

    __tablename__ = "one_off_charges"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(255))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("invoices.id", ondelete="SET NULL"))


class InvoiceRun(IdMixin, Base):
    """One invoicing of a period; re-running it continues where it stopped."""

    __tablename__ = "invoice_runs"

    period: Mapped[str] = mapped_column(String(7), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customer_count: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    errors_json: Mapped[str] = mapped_column(Text, default="[]")
    started_by: Mapped[str] = mapped_column(String(254))


class Invoice(IdMixin, TimestampMixin, Base):
    """An invoice or credit note to a customer; drafts have no number, issued ones are never edited."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("run_key", name="uq_invoices_run_key"),
        UniqueConstraint("series", "number", name="uq_invoices_series_number"),
        Index("ix_invoices_customer_status", "customer_id", "status"),
    )

    kind: Mapped[str] = mapped_column(String(20), default="invoice")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    series: Mapped[str] = mapped_column(String(10))
    number: Mapped[str | None] = mapped_column(String(30))
    # customer:period for drafts made by a run: at most one per customer and period, whatever crashes.
    run_key: Mapped[str | None] = mapped_column(String(80))
    run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("invoice_runs.id", ondelete="SET NULL"))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    language: Mapped[str] = mapped_column(String(5), default="en")
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    payment_terms_days: Mapped[int] = mapped_column(Integer)
    policy_version_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    fx_from_currency: Mapped[str | None] = mapped_column(String(3))
    fx_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    fx_rate_date: Mapped[date | None] = mapped_column(Date)
    tax_name: Mapped[str] = mapped_column(String(60), default="")
    tax_note: Mapped[str] = mapped_column(Text, default="")
    subtotal_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    credited_invoice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("invoices.id"), index=True)
    reissue_of_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("invoices.id"))
    pdf_key: Mapped[str | None] = mapped_column(String(500))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by: Mapped[str | None] = mapped_column(String(254))
    customer_reference: Mapped[str] = mapped_column(String(120), default="")

    customer: Mapped[Customer] = relationship(lazy="joined")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", lazy="selectin", order_by="InvoiceLine.position"
    )

    @property
    def label(self) -> str:
        return self.number or f"draft {str(self.id)[:8]}"


class InvoiceLine(IdMixin, Base):
    """One line of an invoice, with the cost-ledger rows it came from as evidence."""

    __tablename__ = "invoice_lines"

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500))
    charge_type: Mapped[str] = mapped_column(String(60), default="")
    product_family: Mapped[str] = mapped_column(String(20), default="")
    sku_id: Mapped[str] = mapped_column(String(64), default="")
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    microsoft_subscription_id: Mapped[str] = mapped_column(String(64), default="")
    entitlement_id: Mapped[str] = mapped_column(String(64), default="")
    meter_category: Mapped[str] = mapped_column(String(120), default="")
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    unit_price: Mapped[Decimal] = mapped_column(ExactDecimal)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    cost_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_rate: Mapped[Decimal] = mapped_column(ExactDecimal)
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Breakdown lines explain a usage line; they are not counted again in the totals.
    informational: Mapped[bool] = mapped_column(Boolean, default=False)
    below_min_margin: Mapped[bool] = mapped_column(Boolean, default=False)
    price_rule_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    price_mode: Mapped[str] = mapped_column(String(20), default="")
    source_cost_line_ids: Mapped[str] = mapped_column(Text, default="")
    usage_key: Mapped[str] = mapped_column(String(300), default="")
    one_off_charge_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    credited_line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    recurring_charge_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

    @property
    def cost_line_ids(self) -> list[uuid.UUID]:
        return [uuid.UUID(x) for x in self.source_cost_line_ids.split(",") if x]

    @property
    def margin_minor(self) -> int:
        return self.amount_minor - self.cost_minor
