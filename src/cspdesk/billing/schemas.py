"""Billing payloads (API)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class RunIn(BaseModel):
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    dry_run: bool = False


class RunOut(BaseModel):
    period: str
    dry_run: bool
    customers: int
    created: int
    existing: int
    empty: int
    failed: int
    errors: list[dict[str, str]]
    totals: dict[str, int]


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount_minor: int
    tax_rate: Decimal
    tax_minor: int
    informational: bool
    period_start: date | None
    period_end: date | None


class MarginLineOut(LineOut):
    cost_minor: int
    below_min_margin: bool
    source_cost_line_ids: str
    usage_key: str


class InvoiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    status: str
    number: str | None
    customer_id: uuid.UUID
    period: str
    currency: str
    issue_date: date | None
    due_date: date | None
    payment_terms_days: int
    policy_version_id: uuid.UUID | None
    fx_from_currency: str | None
    fx_rate: Decimal | None
    fx_rate_date: date | None
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    credited_invoice_id: uuid.UUID | None
    lines: list[LineOut]


class MarginInvoiceOut(InvoiceOut):
    cost_minor: int
    lines: list[MarginLineOut]  # type: ignore[assignment]


class PaymentIn(BaseModel):
    customer_id: uuid.UUID
    amount: Decimal = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    received_date: date
    reference: str = ""
    invoice_id: uuid.UUID | None = None


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    kind: str
    method: str
    amount_minor: int
    currency: str
    received_date: date
    reference: str
    allocated_minor: int
