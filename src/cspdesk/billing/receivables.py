"""Receivables: balances, aging, DSO, margins (billed vs Microsoft cost) and cash against what Microsoft is owed."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.billing import repository
from cspdesk.models.billing import Invoice, InvoiceLine
from cspdesk.models.billing_payments import Payment
from cspdesk.models.customer import Customer
from cspdesk.models.microsoft import MicrosoftInvoiceTotal, MicrosoftPayment

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def bucket_of(due: date | None, today: date) -> str:
    days = (today - due).days if due else 0
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    return "61-90" if days <= 90 else "90+"


@dataclass
class OpenInvoice:
    invoice: Invoice
    open_minor: int
    bucket: str


def open_invoices(session: Session, today: date, customer_id: uuid.UUID | None = None) -> list[OpenInvoice]:
    """Issued invoices with an open amount, three queries whatever their number (one when there are none)."""
    stmt = select(Invoice).where(Invoice.status == "issued", Invoice.kind == "invoice")
    if customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    invoices = list(session.execute(stmt.order_by(Invoice.due_date)).scalars())
    if not invoices:
        return []  # no payments or credit notes to look up (a ticket page asks for every customer)
    ids = [i.id for i in invoices]
    paid, credited = repository.allocated_to(session, ids), repository.credited_to(session, ids)
    result = []
    for inv in invoices:
        left = inv.total_minor + credited.get(inv.id, 0) - paid.get(inv.id, 0)
        if left > 0:
            result.append(OpenInvoice(inv, left, bucket_of(inv.due_date, today)))
    return result


def aging(items: list[OpenInvoice]) -> dict[str, dict[str, int]]:
    """Open amounts per currency and bucket."""
    table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BUCKETS, 0))
    for item in items:
        table[item.invoice.currency][item.bucket] += item.open_minor
    return dict(table)


def dso(session: Session, items: list[OpenInvoice], today: date, days: int = 90) -> dict[str, int]:
    """Days sales outstanding per currency: receivables / billed in the last `days` days x days."""
    since = today - timedelta(days=days)
    stmt = (
        select(Invoice.currency, func.sum(Invoice.total_minor))
        .where(Invoice.status == "issued", Invoice.issue_date > since)
        .group_by(Invoice.currency)
    )
    billed = {row[0]: int(row[1]) for row in session.execute(stmt)}
    open_total: dict[str, int] = defaultdict(int)
    for item in items:
        open_total[item.invoice.currency] += item.open_minor
    return {cur: (open_total[cur] * days // billed[cur]) if billed.get(cur) else 0 for cur in open_total}


@dataclass
class Balance:
    invoiced_minor: int
    paid_minor: int
    credit_minor: int
    currency: str

    @property
    def balance_minor(self) -> int:
        return self.invoiced_minor - self.paid_minor


def balance(session: Session, customer: Customer) -> Balance:
    """What the customer owes: issued invoices and credit notes minus payments (refunds add back)."""
    invoiced = session.execute(
        select(func.coalesce(func.sum(Invoice.total_minor), 0)).where(
            Invoice.customer_id == customer.id, Invoice.status == "issued"
        )
    ).scalar_one()
    pays = list(session.execute(select(Payment).where(Payment.customer_id == customer.id)).scalars())
    paid = sum(p.amount_minor for p in pays)
    credit = sum(p.unallocated_minor for p in pays)
    return Balance(int(invoiced), paid, credit, customer.billing_currency)


@dataclass
class MarginRow:
    key: str
    currency: str
    billed_minor: int
    cost_minor: int

    @property
    def margin_minor(self) -> int:
        return self.billed_minor - self.cost_minor


def margins(session: Session, by: str) -> list[MarginRow]:
    """Billed vs Microsoft cost of issued documents, by 'customer', 'family' or 'month'."""
    key = {"customer": Customer.name, "family": InvoiceLine.product_family, "month": Invoice.period}[by]
    stmt = (
        select(key, Invoice.currency, func.sum(InvoiceLine.amount_minor), func.sum(InvoiceLine.cost_minor))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.status == "issued", InvoiceLine.informational.is_(False))
        .group_by(key, Invoice.currency)
        .order_by(key)
    )
    return [MarginRow(str(r[0] or "—"), r[1], int(r[2]), int(r[3])) for r in session.execute(stmt)]


@dataclass
class CashPicture:
    received: dict[str, int] = field(default_factory=dict)
    receivable: dict[str, int] = field(default_factory=dict)
    owed_to_microsoft: dict[str, int] = field(default_factory=dict)


def cash_picture(session: Session, items: list[OpenInvoice]) -> CashPicture:
    """Money received and still to come from customers, against Microsoft invoices not yet paid."""
    picture = CashPicture()
    for cur, total in session.execute(
        select(Payment.currency, func.sum(Payment.amount_minor)).group_by(Payment.currency)
    ):
        picture.received[cur] = int(total)
    for item in items:
        picture.receivable[item.invoice.currency] = picture.receivable.get(item.invoice.currency, 0) + item.open_minor
    stmt = select(MicrosoftInvoiceTotal.currency, func.sum(MicrosoftInvoiceTotal.total_minor))
    for cur, total in session.execute(stmt.group_by(MicrosoftInvoiceTotal.currency)):
        picture.owed_to_microsoft[cur] = int(total)
    stmt2 = select(MicrosoftPayment.currency, func.sum(MicrosoftPayment.amount_minor))
    for cur, total in session.execute(stmt2.group_by(MicrosoftPayment.currency)):
        picture.owed_to_microsoft[cur] = picture.owed_to_microsoft.get(cur, 0) - int(total)
    return picture


def bars(values: dict[str, int], height: int = 120) -> list[dict[str, object]]:
    """Bar geometry for an inline SVG chart: label, value, height and x position."""
    top = max([abs(v) for v in values.values()] + [1])
    return [
        {"label": label, "value": value, "h": abs(value) * height // top, "x": i * 70 + 10}
        for i, (label, value) in enumerate(values.items())
    ]


def statement(session: Session, customer: Customer) -> list[dict[str, object]]:
    """Statement of account: issued documents and payments by date with a running balance."""
    docs = session.execute(
        select(Invoice).where(Invoice.customer_id == customer.id, Invoice.status == "issued")
    ).scalars()
    entries: list[dict[str, object]] = [{"date": d.issue_date, "text": d.number, "amount": d.total_minor} for d in docs]
    for p in session.execute(select(Payment).where(Payment.customer_id == customer.id)).scalars():
        entries.append({"date": p.received_date, "text": p.reference or p.method, "amount": -p.amount_minor})
    entries.sort(key=lambda e: (str(e["date"]), str(e["text"])))
    running = 0
    for entry in entries:
        running += int(str(entry["amount"]))
        entry["balance"] = running
    return entries
