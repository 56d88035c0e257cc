"""Allocating money to invoices: oldest due first; what cannot be allocated stays as the customer's credit.

Invariants (checked by property tests): no invoice gets more than it has open, no payment gives more than it has.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.billing import repository
from cspdesk.kit import clock
from cspdesk.models.billing import Invoice
from cspdesk.models.billing_payments import Payment, PaymentAllocation


@dataclass(frozen=True)
class OpenItem:
    invoice: Invoice
    open_minor: int


def open_items(session: Session, customer_id: uuid.UUID) -> list[OpenItem]:
    """Issued invoices with something left to pay, oldest due date first."""
    stmt = select(Invoice).where(
        Invoice.customer_id == customer_id, Invoice.status == "issued", Invoice.kind == "invoice"
    )
    invoices = list(session.execute(stmt.order_by(Invoice.due_date, Invoice.number)).scalars())
    ids = [i.id for i in invoices]
    paid = repository.allocated_to(session, ids)
    credited = repository.credited_to(session, ids)
    items = [OpenItem(i, i.total_minor + credited.get(i.id, 0) - paid.get(i.id, 0)) for i in invoices]
    return [item for item in items if item.open_minor > 0]


def open_amount(session: Session, invoice: Invoice) -> int:
    if invoice.kind != "invoice" or invoice.status != "issued":
        return 0
    paid = repository.allocated_to(session, [invoice.id]).get(invoice.id, 0)
    credited = repository.credited_to(session, [invoice.id]).get(invoice.id, 0)
    return invoice.total_minor + credited - paid


def allocate(session: Session, payment: Payment, first: Invoice | None = None) -> None:
    """Allocate what is left of a payment: to `first` if given, then oldest due first."""
    items = open_items(session, payment.customer_id)
    if first is not None:
        items.sort(key=lambda item: item.invoice.id != first.id)
    left = payment.unallocated_minor
    for item in items:
        if left <= 0:
            break
        amount = min(left, item.open_minor)
        payment.allocations.append(
            PaymentAllocation(invoice_id=item.invoice.id, amount_minor=amount, allocated_at=clock.now())
        )
        left -= amount
    session.flush()


def credit_payments(session: Session, customer_id: uuid.UUID) -> list[Payment]:
    stmt = select(Payment).where(Payment.customer_id == customer_id, Payment.kind == "payment")
    payments = session.execute(stmt.order_by(Payment.received_date, Payment.recorded_at)).scalars()
    return [p for p in payments if p.unallocated_minor > 0]


def available_credit(session: Session, customer_id: uuid.UUID) -> int:
    """Over-payments not yet used or refunded."""
    stmt = select(Payment).where(Payment.customer_id == customer_id)
    return sum(p.unallocated_minor for p in session.execute(stmt).scalars())


def apply_credit(session: Session, customer_id: uuid.UUID) -> None:
    """Use the customer's credit (unallocated payments, oldest first) on open invoices."""
    if available_credit(session, customer_id) <= 0:
        return
    for payment in credit_payments(session, customer_id):
        allocate(session, payment)


def release_excess(session: Session, invoice_id: uuid.UUID) -> None:
    """After a credit note, take back allocations beyond what is still owed; the money becomes credit."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        return
    excess = -open_amount(session, invoice)
    stmt = select(PaymentAllocation).where(PaymentAllocation.invoice_id == invoice_id)
    for alloc in sorted(session.execute(stmt).scalars(), key=lambda a: a.allocated_at, reverse=True):
        if excess <= 0:
            break
        taken = min(excess, alloc.amount_minor)
        alloc.amount_minor -= taken
        excess -= taken
        if alloc.amount_minor == 0:
            session.delete(alloc)
    session.flush()
    session.expire_all()
