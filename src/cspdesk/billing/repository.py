"""Queries for invoices and payments, scoped to what a principal may read (portal users: their own customer)."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit.errors import NotFound
from cspdesk.models.billing import Invoice, InvoiceLine, InvoiceRun, PriceRule
from cspdesk.models.billing_payments import BankStatementLine, Payment, PaymentAllocation
from cspdesk.models.customer import Customer


def readable_invoices(principal: Principal) -> Select[Invoice]:
    """Staff with the permission see all invoices; portal users only their customer's issued ones."""
    principal.require(Permission.INVOICES_READ)
    stmt = select(Invoice)
    if principal.is_portal:
        stmt = stmt.where(Invoice.customer_id == principal.customer_id, Invoice.status == "issued")
    return stmt


def search_invoices(
    principal: Principal, *, status: str = "", period: str = "", customer_id: uuid.UUID | None = None
) -> Select[Invoice]:
    stmt = readable_invoices(principal)
    if status:
        stmt = stmt.where(Invoice.status == status)
    if period:
        stmt = stmt.where(Invoice.period == period)
    if customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    return stmt.order_by(Invoice.period.desc(), Invoice.number.desc(), Invoice.id)


def access_invoice(session: Session, principal: Principal, invoice_id: uuid.UUID) -> Invoice:
    invoice = session.execute(readable_invoices(principal).where(Invoice.id == invoice_id)).scalar_one_or_none()
    if invoice is None:
        raise NotFound("invoice not found")
    return invoice


def access_line(session: Session, invoice: Invoice, line_id: uuid.UUID) -> InvoiceLine:
    for line in invoice.lines:
        if line.id == line_id:
            return line
    raise NotFound("invoice line not found")


def readable_payments(principal: Principal) -> Select[Payment]:
    principal.require(Permission.PAYMENTS_READ)
    stmt = select(Payment)
    if principal.is_portal:
        stmt = stmt.where(Payment.customer_id == principal.customer_id)
    return stmt.order_by(Payment.received_date.desc(), Payment.recorded_at.desc())


def access_payment(session: Session, principal: Principal, payment_id: uuid.UUID) -> Payment:
    payment = session.execute(readable_payments(principal).where(Payment.id == payment_id)).scalar_one_or_none()
    if payment is None:
        raise NotFound("payment not found")
    return payment


def access_customer(session: Session, principal: Principal, customer_id: uuid.UUID) -> Customer:
    """A customer whose billing the principal may see (portal: only their own)."""
    if principal.is_portal and principal.customer_id != customer_id:
        raise NotFound("customer not found")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer not found")
    return customer


def allocated_to(session: Session, invoice_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    stmt = (
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount_minor))
        .where(PaymentAllocation.invoice_id.in_(invoice_ids))
        .group_by(PaymentAllocation.invoice_id)
    )
    return {row[0]: int(row[1]) for row in session.execute(stmt)}


def credited_to(session: Session, invoice_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Sum of issued credit notes per credited invoice (negative numbers)."""
    stmt = (
        select(Invoice.credited_invoice_id, func.sum(Invoice.total_minor))
        .where(Invoice.credited_invoice_id.in_(invoice_ids), Invoice.status == "issued")
        .group_by(Invoice.credited_invoice_id)
    )
    return {row[0]: int(row[1]) for row in session.execute(stmt) if row[0] is not None}


def runs(session: Session) -> list[InvoiceRun]:
    return list(session.execute(select(InvoiceRun).order_by(InvoiceRun.period.desc())).scalars())


def price_rules(session: Session) -> list[PriceRule]:
    stmt = select(PriceRule).order_by(PriceRule.customer_id, PriceRule.group_id, PriceRule.sku_id)
    return list(session.execute(stmt).scalars())


def unmatched_bank_lines(session: Session) -> list[BankStatementLine]:
    stmt = select(BankStatementLine).where(BankStatementLine.status == "unmatched")
    return list(session.execute(stmt.order_by(BankStatementLine.booking_date, BankStatementLine.line_no)).scalars())
