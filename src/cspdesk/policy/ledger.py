"""What customers owe per invoice, read straight from billing's tables, and the late fees dunning bills.

Billing has no shared "outstanding" function yet, so the amount is derived here in SQL: the invoice total less
the payments allocated to it and the issued credit notes that credit it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, lazyload

from cspdesk.kit import clock, counters
from cspdesk.kit.money import from_minor
from cspdesk.models.billing import Invoice, InvoiceLine, OneOffCharge
from cspdesk.models.billing_payments import PaymentAllocation
from cspdesk.models.customer import Customer

LATE_FEE_SERIES = "LF"
ISSUED_INVOICE = and_(Invoice.status == "issued", Invoice.kind == "invoice")


@cache
def allocated_sum() -> ColumnElement[int]:
    """Correlated: the payments allocated to the outer query's invoice."""
    return (
        select(func.coalesce(func.sum(PaymentAllocation.amount_minor), 0))
        .where(PaymentAllocation.invoice_id == Invoice.id)
        .correlate(Invoice)
        .scalar_subquery()
    )


@cache
def credited_sum() -> ColumnElement[int]:
    """Correlated: the issued credit notes against the outer query's invoice (their totals, counted positive)."""
    credit = Invoice.__table__.alias("credit")
    return (
        select(func.coalesce(func.sum(func.abs(credit.c.total_minor)), 0))
        .where(
            credit.c.credited_invoice_id == Invoice.id,
            credit.c.kind == "credit_note",
            credit.c.status == "issued",
        )
        .correlate(Invoice)
        .scalar_subquery()
    )


@cache
def outstanding_expr() -> ColumnElement[int]:
    """Correlated: what is left to pay on the outer query's invoice (built once; SQL expressions are immutable)."""
    return Invoice.total_minor - allocated_sum() - credited_sum()


def open_invoices(customer_ids: Iterable[uuid.UUID]) -> Select[Invoice, int]:
    """Issued invoices of the customers with something left to pay, with that amount."""
    outstanding = outstanding_expr().label("outstanding")
    return (
        select(Invoice, outstanding)
        .options(lazyload(Invoice.lines), lazyload(Invoice.customer))
        .where(ISSUED_INVOICE, Invoice.customer_id.in_(list(customer_ids)), Invoice.due_date.is_not(None))
        .where(outstanding_expr() > 0)
        .order_by(Invoice.due_date, Invoice.number)
    )


def outstanding_of(session: Session, invoice_id: uuid.UUID) -> int:
    stmt = select(outstanding_expr()).where(Invoice.id == invoice_id)
    return int(session.execute(stmt).scalar_one())


def is_late_fee_invoice(invoice: Invoice) -> bool:
    """An invoice of the late-fee series: no fee is charged on fees."""
    return invoice.series == LATE_FEE_SERIES


def _fee_line(description: str, fee_minor: int, currency: str) -> InvoiceLine:
    return InvoiceLine(
        position=1,
        kind="late_fee",
        description=description,
        quantity=Decimal(1),
        unit_price=from_minor(fee_minor, currency),
        amount_minor=fee_minor,
        tax_rate=Decimal(0),
        tax_minor=0,
    )


def create_late_fee_invoice(
    session: Session, source: Invoice, fee_minor: int, description: str, terms_days: int, today: date
) -> Invoice:
    """An issued invoice in the late-fee series with one late_fee line, governed by the source's policy version.

    Late fees carry no tax here (a penalty, not a supply); its number comes from the LF series counter.
    """
    number = counters.next_value(session, f"invoice_series:{LATE_FEE_SERIES}:{today.year}")
    customer = session.get(Customer, source.customer_id)
    invoice = Invoice(
        kind="invoice",
        status="issued",
        series=LATE_FEE_SERIES,
        number=f"{LATE_FEE_SERIES}-{today.year}-{number:06d}",
        customer_id=source.customer_id,
        period=today.strftime("%Y-%m"),
        period_start=today,
        period_end=today,
        currency=source.currency,
        language=customer.language if customer else source.language,
        issue_date=today,
        due_date=today + timedelta(days=terms_days),
        payment_terms_days=terms_days,
        policy_version_id=source.policy_version_id,
        subtotal_minor=fee_minor,
        tax_minor=0,
        total_minor=fee_minor,
        issued_at=clock.now(),
        issued_by="dunning",
        lines=[_fee_line(description, fee_minor, source.currency)],
    )
    session.add(invoice)
    session.flush()
    return invoice


def create_late_fee_charge(session: Session, source: Invoice, fee_minor: int, description: str) -> OneOffCharge:
    """A one-off charge that the customer's next invoice run bills."""
    charge = OneOffCharge(
        customer_id=source.customer_id,
        description=description,
        unit_price_minor=fee_minor,
        currency=source.currency,
        quantity=Decimal(1),
    )
    session.add(charge)
    session.flush()
    return charge
