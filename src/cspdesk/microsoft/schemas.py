"""Payloads for Microsoft bills: import summaries, the cost ledger, Microsoft invoices, payments and payables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from cspdesk.kit import validation

Currency = Annotated[str, AfterValidator(validation.currency)]


class AmountIn(BaseModel):
    currency: Currency
    amount: Decimal = Field(description="in the currency's major unit, e.g. 1209.60")

    @field_validator("amount")
    @classmethod
    def _finite(cls, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("not a finite number")
        return value


class MicrosoftInvoiceIn(BaseModel):
    number: str = Field(min_length=1, max_length=40)
    invoice_date: date
    period_start: date | None = None
    period_end: date | None = None
    due_date: date | None = Field(default=None, description="default: invoice date + the payment terms")
    totals: list[AmountIn] = Field(min_length=1, max_length=20)
    notes: str = Field(default="", max_length=5000)

    @model_validator(mode="after")
    def _consistent(self) -> MicrosoftInvoiceIn:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if len({t.currency for t in self.totals}) != len(self.totals):
            raise ValueError("one total per currency")
        return self


class MicrosoftInvoicePatch(BaseModel):
    invoice_date: date | None = None
    due_date: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    totals: list[AmountIn] | None = Field(default=None, min_length=1, max_length=20)
    notes: str | None = Field(default=None, max_length=5000)


class MicrosoftPaymentIn(BaseModel):
    paid_date: date
    currency: Currency
    amount: Decimal = Field(gt=0)
    reference: str = Field(default="", max_length=120)


class TotalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    currency: str
    total_minor: int


class MicrosoftPaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    paid_date: date
    currency: str
    amount_minor: int
    reference: str
    recorded_at: datetime
    recorded_by: str


class MicrosoftInvoiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    number: str
    invoice_date: date
    period_start: date | None
    period_end: date | None
    due_date: date
    source: str
    notes: str
    totals: list[TotalOut]
    payments: list[MicrosoftPaymentOut]


class ImportBatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: str
    file_name: str
    sha256: str
    size_bytes: int
    row_count: int
    new_row_count: int
    rejected_count: int
    billed: bool
    invoice_number: str | None
    period_start: date | None
    period_end: date | None
    status: str
    superseded_by_id: uuid.UUID | None
    imported_at: datetime
    imported_by: str


class ImportBatchDetailOut(ImportBatchOut):
    summary: dict[str, Any]


class ImportBatchPage(BaseModel):
    items: list[ImportBatchOut]
    total: int
    page: int
    size: int


class PayableOut(BaseModel):
    invoice_id: uuid.UUID
    number: str
    invoice_date: date
    due_date: date
    currency: str
    total_minor: int
    paid_minor: int
    outstanding_minor: int
    days_to_due: int
    state: str
    warning: str | None


class PayablesOut(BaseModel):
    today: date
    horizon_days: int
    items: list[PayableOut]
    outstanding_by_currency: dict[str, int]
    overdue_by_currency: dict[str, int]
    due_within_horizon_by_currency: dict[str, int]


class ReconciliationCurrencyOut(BaseModel):
    currency: str
    invoice_total_minor: int
    lines_total_minor: int
    difference_minor: int
    line_count: int


class LineMismatchOut(BaseModel):
    line_id: uuid.UUID
    line_no: int
    charge_type: str
    currency: str
    subtotal_minor: int
    expected_subtotal_minor: int


class ReconciliationOut(BaseModel):
    invoice_number: str
    balanced: bool
    currencies: list[ReconciliationCurrencyOut]
    formula_mismatches: list[LineMismatchOut]
