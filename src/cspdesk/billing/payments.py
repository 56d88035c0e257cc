"""Payments by hand, from the bank or the provider; allocation oldest-first; over-payments become credit; refunds."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import allocation, repository
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import Conflict, ValidationFailed, field_error
from cspdesk.models.billing import Invoice
from cspdesk.models.billing_payments import Payment
from cspdesk.policy import engine as dunning

PAYMENT_FIELDS = ["customer_id", "kind", "method", "amount_minor", "currency", "received_date", "reference"]


def _target_invoice(session: Session, principal: Principal, customer_id: uuid.UUID, invoice_id: uuid.UUID) -> Invoice:
    invoice = repository.access_invoice(session, principal, invoice_id)
    if invoice.customer_id != customer_id:
        raise ValidationFailed("the invoice belongs to another customer", details=[field_error("invoice_id", "other")])
    if invoice.status == "void":
        raise Conflict(f"invoice {invoice.label} is void: no payment can be recorded against it")
    if invoice.status != "issued" or invoice.kind != "invoice":
        raise Conflict(f"{invoice.label} is not an issued invoice")
    return invoice


def record_payment(
    session: Session,
    principal: Principal,
    customer_id: uuid.UUID,
    amount_minor: int,
    currency: str,
    received_date: date,
    *,
    reference: str = "",
    invoice_id: uuid.UUID | None = None,
    method: str = "manual",
    external_id: str | None = None,
) -> Payment:
    """Record money received and allocate it (named invoice first, then oldest due); the rest is credit."""
    principal.require(Permission.PAYMENTS_WRITE)
    customer = repository.access_customer(session, principal, customer_id)
    if amount_minor <= 0:
        raise ValidationFailed("a payment must be positive", details=[field_error("amount", "must be > 0")])
    if currency != customer.billing_currency:
        raise ValidationFailed(
            f"currency mismatch: {customer.name} is billed in {customer.billing_currency}, not {currency}",
            details=[field_error("currency", f"must be {customer.billing_currency}")],
        )
    first = _target_invoice(session, principal, customer_id, invoice_id) if invoice_id else None
    payment = Payment(
        customer_id=customer.id,
        amount_minor=amount_minor,
        currency=currency,
        received_date=received_date,
        reference=reference,
        method=method,
        external_id=external_id,
        recorded_at=clock.now(),
        recorded_by=principal.label,
    )
    session.add(payment)
    session.flush()
    allocation.allocate(session, payment, first)
    audit.record(
        session, principal, "payment.record", "payment", payment.id, after=audit.snapshot(payment, PAYMENT_FIELDS)
    )
    # A payment wins at once: the dunning engine stops further steps and reactivates what the policy suspended.
    dunning.on_payment(session, customer.id)
    return payment


def refund(
    session: Session, principal: Principal, customer_id: uuid.UUID, amount_minor: int, reference: str = ""
) -> Payment:
    """Pay back part of a customer's credit; never more than the credit."""
    principal.require(Permission.PAYMENTS_WRITE)
    customer = repository.access_customer(session, principal, customer_id)
    credit = allocation.available_credit(session, customer.id)
    if amount_minor <= 0 or amount_minor > credit:
        raise ValidationFailed(
            f"a refund must be between 0 and the credit of {credit} minor units",
            details=[field_error("amount", "more than the customer's credit")],
        )
    payment = Payment(
        customer_id=customer.id,
        kind="refund",
        amount_minor=-amount_minor,
        currency=customer.billing_currency,
        received_date=clock.today(),
        reference=reference,
        recorded_at=clock.now(),
        recorded_by=principal.label,
    )
    session.add(payment)
    session.flush()
    audit.record(
        session, principal, "payment.refund", "payment", payment.id, after=audit.snapshot(payment, PAYMENT_FIELDS)
    )
    return payment
