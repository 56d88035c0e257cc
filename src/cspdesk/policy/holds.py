"""What holds the policy's steps: a promise to pay, a disputed invoice, a customer exempt until a date. Audited."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import Conflict, NotFound, ValidationFailed, field_error
from cspdesk.models.policy import CustomerExemption, InvoiceDispute, PromiseToPay
from cspdesk.policy import repository


def _not_past(until: date, field: str) -> None:
    if until < clock.today():
        raise ValidationFailed(f"{field} must not be in the past", details=[field_error(field, "is in the past")])


def record_promise(
    session: Session, principal: Principal, invoice_id: uuid.UUID, until: date, note: str = ""
) -> PromiseToPay:
    """The customer promised to pay by `until`: steps dated up to then wait (when the policy allows promises)."""
    principal.require(Permission.DUNNING_WRITE)
    invoice = repository.access_invoice(session, principal, invoice_id)
    _not_past(until, "until")
    promise = PromiseToPay(
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        until_date=until,
        note=note.strip(),
        created_by=principal.label,
        created_at=clock.now(),
    )
    session.add(promise)
    session.flush()
    after = {"invoice": invoice.number, "until": until, "note": promise.note}
    audit.record(session, principal, "dunning.promise_to_pay", "invoice", invoice.id, after=after)
    return promise


def open_dispute(session: Session, principal: Principal, invoice_id: uuid.UUID, reason: str) -> InvoiceDispute:
    """Mark an invoice disputed; the policy pauses its steps until the dispute is resolved."""
    principal.require(Permission.DUNNING_WRITE)
    invoice = repository.access_invoice(session, principal, invoice_id)
    if invoice.id in repository.open_disputes(session, [invoice.id]):
        raise Conflict("this invoice is already disputed")
    dispute = InvoiceDispute(
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        status="open",
        reason=reason.strip(),
        opened_by=principal.label,
        opened_at=clock.now(),
    )
    session.add(dispute)
    session.flush()
    after = {"invoice": invoice.number, "reason": dispute.reason}
    audit.record(session, principal, "dunning.dispute_open", "invoice", invoice.id, after=after)
    return dispute


def resolve_dispute(session: Session, principal: Principal, dispute_id: uuid.UUID, resolution: str) -> InvoiceDispute:
    """Close a dispute; steps that fell due meanwhile run on the next run."""
    principal.require(Permission.DUNNING_WRITE)
    dispute = session.get(InvoiceDispute, dispute_id)
    if dispute is None or not principal.may_see_customer(dispute.customer_id):
        raise NotFound("dispute not found")
    if dispute.status != "open":
        raise Conflict("this dispute is already resolved")
    dispute.status = "closed"
    dispute.resolution = resolution.strip()
    dispute.resolved_by = principal.label
    dispute.resolved_at = clock.now()
    session.flush()
    audit.record(
        session,
        principal,
        "dunning.dispute_resolve",
        "invoice",
        dispute.invoice_id,
        before={"status": "open"},
        after={"status": "closed", "resolution": dispute.resolution},
    )
    return dispute


def exempt_customer(
    session: Session, principal: Principal, customer_id: uuid.UUID, until: date, reason: str
) -> CustomerExemption:
    """No step of any of the customer's invoices runs on or before `until`."""
    principal.require(Permission.DUNNING_WRITE)
    customer = repository.access_customer(session, principal, customer_id)
    _not_past(until, "until")
    exemption = CustomerExemption(
        customer_id=customer.id,
        until_date=until,
        reason=reason.strip(),
        created_by=principal.label,
        created_at=clock.now(),
    )
    session.add(exemption)
    session.flush()
    after = {"until": until, "reason": exemption.reason}
    audit.record(session, principal, "dunning.exempt", "customer", customer.id, after=after)
    return exemption
