"""What Microsoft bills the partner: imported files, the cost ledger, Microsoft invoices and payments to them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspdesk.db import ExactDecimal, UTCDateTime
from cspdesk.models.base import Base, IdMixin, TimestampMixin

FILE_KINDS = ("nce-recon", "daily-usage", "legacy-license")
BATCH_STATUSES = ("applied", "superseded")


class ImportBatch(IdMixin, Base):
    """One imported Partner Center file. Billed data supersedes unbilled data of the same scope."""

    __tablename__ = "import_batches"

    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)  # one import per file content
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    row_count: Mapped[int] = mapped_column(Integer)
    new_row_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    billed: Mapped[bool] = mapped_column(Boolean)
    invoice_number: Mapped[str | None] = mapped_column(String(40), index=True)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="applied")
    superseded_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("import_batches.id"))
    archive_key: Mapped[str | None] = mapped_column(String(500))
    usage_detail_key: Mapped[str | None] = mapped_column(String(500))
    summary_json: Mapped[str] = mapped_column(Text, default="{}")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(254))


class CostLine(IdMixin, Base):
    """One license/one-time/credit line from an NCE reconciliation or legacy license file (the cost ledger)."""

    __tablename__ = "cost_lines"
    __table_args__ = (
        UniqueConstraint("row_key", name="uq_cost_lines_row_key"),
        Index("ix_cost_lines_customer_period", "customer_id", "charge_start_date"),
        Index("ix_cost_lines_invoice", "invoice_number"),
    )

    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    file_kind: Mapped[str] = mapped_column(String(20), default="nce-recon")  # nce-recon | legacy-license
    row_key: Mapped[str] = mapped_column(String(64))
    line_no: Mapped[int] = mapped_column(Integer)
    billed: Mapped[bool] = mapped_column(Boolean)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"))
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("subscriptions.id", ondelete="SET NULL"), index=True
    )
    microsoft_subscription_id: Mapped[str] = mapped_column(String(64))
    invoice_number: Mapped[str] = mapped_column(String(40), default="")
    order_id: Mapped[str] = mapped_column(String(64), default="")
    order_date: Mapped[date | None] = mapped_column(Date)
    product_id: Mapped[str] = mapped_column(String(64), default="")
    sku_id: Mapped[str] = mapped_column(String(64), default="")
    availability_id: Mapped[str] = mapped_column(String(64), default="")
    sku_name: Mapped[str] = mapped_column(String(255), default="")
    product_name: Mapped[str] = mapped_column(String(255), default="")
    product_family: Mapped[str] = mapped_column(String(20))
    product_kind: Mapped[str] = mapped_column(String(30))
    publisher_name: Mapped[str] = mapped_column(String(255), default="")
    charge_type: Mapped[str] = mapped_column(String(60))
    charge_start_date: Mapped[date | None] = mapped_column(Date)
    charge_end_date: Mapped[date | None] = mapped_column(Date)
    subscription_start_date: Mapped[date | None] = mapped_column(Date)
    subscription_end_date: Mapped[date | None] = mapped_column(Date)
    term_and_billing_cycle: Mapped[str] = mapped_column(String(120), default="")
    billing_frequency: Mapped[str] = mapped_column(String(20), default="")
    unit_type: Mapped[str] = mapped_column(String(40), default="")
    unit_price: Mapped[Decimal] = mapped_column(ExactDecimal)
    effective_unit_price: Mapped[Decimal] = mapped_column(ExactDecimal)
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    billable_quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    currency: Mapped[str] = mapped_column(String(3))
    pricing_currency: Mapped[str] = mapped_column(String(3), default="")
    exchange_rate: Mapped[Decimal] = mapped_column(ExactDecimal)
    exchange_rate_date: Mapped[date | None] = mapped_column(Date)
    subtotal_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    price_adjustment_description: Mapped[str] = mapped_column(Text, default="")
    credit_reason_code: Mapped[str] = mapped_column(String(120), default="")
    promotion_id: Mapped[str] = mapped_column(String(64), default="")
    reference_id: Mapped[str] = mapped_column(String(64), default="")
    meter_description: Mapped[str] = mapped_column(String(255), default="")
    extra_json: Mapped[str] = mapped_column(Text, default="{}")


class UsageAggregate(IdMixin, Base):
    """Azure plan usage summed per customer, Azure subscription (EntitlementId), meter, day, PEC and credit type.

    Every usage row stays in Parquet (drill-down by resource group, resource); only these sums live in the database.
    """

    __tablename__ = "usage_aggregates"
    __table_args__ = (
        Index("ix_usage_aggregates_customer_date", "customer_id", "usage_date"),
        Index("ix_usage_aggregates_entitlement", "entitlement_id", "usage_date"),
    )

    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("import_batches.id", ondelete="CASCADE"), index=True)
    billed: Mapped[bool] = mapped_column(Boolean)
    invoice_number: Mapped[str] = mapped_column(String(40), default="")
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("customers.id", ondelete="CASCADE"))
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("subscriptions.id", ondelete="SET NULL"))
    microsoft_subscription_id: Mapped[str] = mapped_column(String(64))
    entitlement_id: Mapped[str] = mapped_column(String(64))
    entitlement_description: Mapped[str] = mapped_column(String(255), default="")
    usage_date: Mapped[date] = mapped_column(Date)
    meter_id: Mapped[str] = mapped_column(String(64))
    meter_category: Mapped[str] = mapped_column(String(120))
    meter_subcategory: Mapped[str] = mapped_column(String(120), default="")
    meter_name: Mapped[str] = mapped_column(String(255), default="")
    unit: Mapped[str] = mapped_column(String(60), default="")
    pec_percentage: Mapped[Decimal] = mapped_column(ExactDecimal)
    credit_type: Mapped[str] = mapped_column(String(60), default="")
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal)
    billing_pre_tax_total: Mapped[Decimal] = mapped_column(ExactDecimal)
    billing_currency: Mapped[str] = mapped_column(String(3))
    pricing_pre_tax_total: Mapped[Decimal] = mapped_column(ExactDecimal)
    pricing_currency: Mapped[str] = mapped_column(String(3))
    unit_price: Mapped[Decimal] = mapped_column(ExactDecimal)
    effective_unit_price: Mapped[Decimal] = mapped_column(ExactDecimal)
    exchange_rate: Mapped[Decimal] = mapped_column(ExactDecimal)
    row_count: Mapped[int] = mapped_column(Integer)


class MicrosoftInvoice(IdMixin, TimestampMixin, Base):
    """An invoice from Microsoft to the partner (G... new commerce, D... legacy): what the partner owes."""

    __tablename__ = "microsoft_invoices"

    number: Mapped[str] = mapped_column(String(40), unique=True)
    invoice_date: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual | file | api
    notes: Mapped[str] = mapped_column(Text, default="")

    totals: Mapped[list[MicrosoftInvoiceTotal]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="MicrosoftInvoiceTotal.currency",
    )
    payments: Mapped[list[MicrosoftPayment]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", lazy="selectin", order_by="MicrosoftPayment.paid_date"
    )


class MicrosoftInvoiceTotal(IdMixin, Base):
    __tablename__ = "microsoft_invoice_totals"
    __table_args__ = (UniqueConstraint("invoice_id", "currency", name="uq_microsoft_invoice_totals_currency"),)

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("microsoft_invoices.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)

    invoice: Mapped[MicrosoftInvoice] = relationship(back_populates="totals")


class MicrosoftPayment(IdMixin, Base):
    """A payment the partner made to Microsoft against one of its invoices."""

    __tablename__ = "microsoft_payments"

    invoice_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("microsoft_invoices.id", ondelete="CASCADE"), index=True
    )
    paid_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(120), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(254))

    invoice: Mapped[MicrosoftInvoice] = relationship(back_populates="payments")
