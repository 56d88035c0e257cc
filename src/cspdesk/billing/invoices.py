"""Invoice use cases: review and adjust drafts, issue (numbered, immutable, PDF, email), void drafts."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import allocation, repository
from cspdesk.billing.drafting import totals_of
from cspdesk.billing.numbering import next_number
from cspdesk.billing.pdf import render_invoice_pdf
from cspdesk.billing.pricing import round_amount
from cspdesk.billing.taxes import line_tax
from cspdesk.config import Settings
from cspdesk.jobs.outbox import enqueue
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import Conflict, ValidationFailed, field_error
from cspdesk.kit.storage import Storage
from cspdesk.models.billing import Invoice, InvoiceLine, OneOffCharge
from cspdesk.policy import engine as dunning
from cspdesk.policy import service as policy_service

INVOICE_FIELDS = ["status", "number", "subtotal_minor", "tax_minor", "total_minor", "issue_date", "due_date"]


def editable_draft(session: Session, principal: Principal, invoice_id: uuid.UUID) -> Invoice:
    """A draft the principal may change; issued and void invoices are never edited."""
    principal.require(Permission.INVOICES_WRITE)
    invoice = repository.access_invoice(session, principal, invoice_id)
    if invoice.status != "draft":
        raise Conflict(f"invoice {invoice.label} is {invoice.status}: issued invoices are never edited")
    return invoice


def recompute(invoice: Invoice) -> None:
    totals = totals_of(invoice.lines)
    invoice.subtotal_minor = totals.subtotal_minor
    invoice.tax_minor = totals.tax_minor
    invoice.total_minor = totals.total_minor
    invoice.cost_minor = totals.cost_minor


def _draft_tax_rate(invoice: Invoice) -> Decimal:
    counted = [line.tax_rate for line in invoice.lines if not line.informational]
    return counted[0] if counted else Decimal(0)


def add_line(
    session: Session,
    principal: Principal,
    invoice_id: uuid.UUID,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    settings: Settings,
) -> InvoiceLine:
    """Add a one-off line to a draft; the amount is rounded once, the draft's tax rate applies."""
    invoice = editable_draft(session, principal, invoice_id)
    if not description.strip():
        raise ValidationFailed("description is required", details=[field_error("description", "required")])
    if quantity <= 0:
        raise ValidationFailed("quantity must be positive", details=[field_error("quantity", "must be > 0")])
    amount = round_amount(unit_price * quantity, invoice.currency)
    rate = _draft_tax_rate(invoice)
    line = InvoiceLine(
        position=max((x.position for x in invoice.lines), default=0) + 1,
        kind="one_off",
        description=description.strip(),
        quantity=quantity,
        unit_price=unit_price,
        amount_minor=amount,
        cost_minor=0,
        informational=False,
        tax_rate=rate,
        tax_minor=line_tax(amount, rate, invoice.currency, settings.billing_tax_rounding),
    )
    invoice.lines.append(line)
    recompute(invoice)
    session.flush()
    audit.record(session, principal, "invoice.line_add", "invoice", invoice.id, after={"line": line.description})
    return line


def remove_line(session: Session, principal: Principal, invoice_id: uuid.UUID, line_id: uuid.UUID) -> None:
    invoice = editable_draft(session, principal, invoice_id)
    line = repository.access_line(session, invoice, line_id)
    if line.one_off_charge_id is not None:
        charge = session.get(OneOffCharge, line.one_off_charge_id)
        if charge is not None:
            charge.invoice_id = None
    invoice.lines.remove(line)
    recompute(invoice)
    session.flush()
    audit.record(session, principal, "invoice.line_remove", "invoice", invoice.id, before={"line": line.description})


def void_draft(session: Session, principal: Principal, invoice_id: uuid.UUID) -> Invoice:
    """Discard a draft; its one-off charges go back to the queue for the next run."""
    invoice = editable_draft(session, principal, invoice_id)
    for line in invoice.lines:
        if line.one_off_charge_id is not None:
            charge = session.get(OneOffCharge, line.one_off_charge_id)
            if charge is not None:
                charge.invoice_id = None
    invoice.status = "void"
    session.flush()
    audit.record(session, principal, "invoice.void", "invoice", invoice.id, after={"status": "void"})
    return invoice


def issue_invoice(
    session: Session, principal: Principal, invoice_id: uuid.UUID, storage: Storage, settings: Settings
) -> Invoice:
    """Number, date and freeze a draft, store its PDF and queue the email; issuing twice changes nothing."""
    principal.require(Permission.INVOICES_WRITE)
    invoice = repository.access_invoice(session, principal, invoice_id)
    if invoice.status == "issued":
        return invoice
    if invoice.status != "draft":
        raise Conflict(f"invoice {invoice.label} is {invoice.status} and cannot be issued")
    if not invoice.lines:
        raise ValidationFailed("an invoice without lines cannot be issued", details=[field_error("lines", "empty")])
    before = audit.snapshot(invoice, INVOICE_FIELDS)
    if invoice.kind == "invoice" and invoice.policy_version_id is None:
        invoice.policy_version_id = policy_service.current_policy_version_id(session)
    _number(session, invoice, principal)
    invoice.pdf_key = f"invoices/{invoice.issue_date.year if invoice.issue_date else 0}/{invoice.number}.pdf"
    storage.put_bytes(invoice.pdf_key, render_invoice_pdf(session, invoice, settings))
    _after_issue(session, invoice)
    audit.record(session, principal, "invoice.issue", "invoice", invoice.id, before=before, after=_after(invoice))
    dunning.on_invoice_issued(session, invoice.id)
    return invoice


def _after(invoice: Invoice) -> dict[str, Any]:
    return audit.snapshot(invoice, INVOICE_FIELDS)


def _number(session: Session, invoice: Invoice, principal: Principal) -> None:
    today = clock.today()
    invoice.number = next_number(session, invoice.series, today.year)
    invoice.status = "issued"
    invoice.issue_date = today
    invoice.due_date = today + timedelta(days=invoice.payment_terms_days)
    invoice.issued_at = clock.now()
    invoice.issued_by = principal.label
    session.flush()


def _after_issue(session: Session, invoice: Invoice) -> None:
    if invoice.kind == "credit_note" and invoice.credited_invoice_id is not None:
        allocation.release_excess(session, invoice.credited_invoice_id)
    allocation.apply_credit(session, invoice.customer_id)
    if invoice.customer.contacts:
        enqueue(
            session,
            "email.invoice",
            {"invoice_id": str(invoice.id)},
            f"email.invoice:{invoice.id}",
            subject_type="invoice",
            subject_id=str(invoice.id),
        )
