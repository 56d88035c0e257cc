"""Credit notes (full or partial, linked to the original invoice) and re-issue; issued invoices stay untouched."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import repository
from cspdesk.billing.drafting import unit_price_of
from cspdesk.billing.invoices import recompute
from cspdesk.billing.taxes import line_tax
from cspdesk.config import Settings
from cspdesk.kit import audit
from cspdesk.kit.errors import Conflict, ValidationFailed, field_error
from cspdesk.models.billing import Invoice, InvoiceLine

COPIED = [
    "kind",
    "description",
    "charge_type",
    "product_family",
    "sku_id",
    "subscription_id",
    "microsoft_subscription_id",
    "entitlement_id",
    "meter_category",
    "period_start",
    "period_end",
    "informational",
    "price_rule_id",
    "price_mode",
    "source_cost_line_ids",
    "usage_key",
    "tax_rate",
]


def _issued_invoice(session: Session, principal: Principal, invoice_id: uuid.UUID) -> Invoice:
    principal.require(Permission.INVOICES_WRITE)
    invoice = repository.access_invoice(session, principal, invoice_id)
    if invoice.kind != "invoice" or invoice.status != "issued":
        raise Conflict(f"only issued invoices can be credited; {invoice.label} is a {invoice.status} {invoice.kind}")
    return invoice


def credited_per_line(session: Session, invoice: Invoice) -> dict[uuid.UUID, int]:
    """Amounts already credited per original line (positive numbers), by credit notes that are not void."""
    stmt = (
        select(InvoiceLine.credited_line_id, InvoiceLine.amount_minor)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.credited_invoice_id == invoice.id, Invoice.status != "void")
    )
    credited: dict[uuid.UUID, int] = defaultdict(int)
    for line_id, amount in session.execute(stmt):
        if line_id is not None:
            credited[line_id] -= int(amount)
    return credited


def _new_note(invoice: Invoice, settings: Settings, reissue: bool = False) -> Invoice:
    return Invoice(
        kind="invoice" if reissue else "credit_note",
        status="draft",
        series=settings.billing_invoice_series if reissue else settings.billing_credit_note_series,
        customer_id=invoice.customer_id,
        period=invoice.period,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        currency=invoice.currency,
        language=invoice.language,
        payment_terms_days=invoice.payment_terms_days,
        policy_version_id=invoice.policy_version_id,
        fx_from_currency=invoice.fx_from_currency,
        fx_rate=invoice.fx_rate,
        fx_rate_date=invoice.fx_rate_date,
        tax_name=invoice.tax_name,
        tax_note=invoice.tax_note,
        credited_invoice_id=None if reissue else invoice.id,
        reissue_of_id=invoice.id if reissue else None,
    )


def _credit_line(original: InvoiceLine, amount: int, currency: str, rounding: str) -> InvoiceLine:
    line = InvoiceLine(**{name: getattr(original, name) for name in COPIED})
    share = Decimal(amount) / Decimal(original.amount_minor) if original.amount_minor else Decimal(1)
    line.position = original.position
    line.quantity = -original.quantity if share == 1 else -(original.quantity * share).quantize(Decimal("0.000001"))
    line.amount_minor = -amount
    line.unit_price = unit_price_of(-amount, line.quantity, currency) if line.quantity else original.unit_price
    line.cost_minor = -original.cost_minor if share == 1 else 0
    line.tax_minor = 0 if original.informational else line_tax(-amount, original.tax_rate, currency, rounding)
    line.credited_line_id = original.id
    return line


def create_credit_note(
    session: Session,
    principal: Principal,
    invoice_id: uuid.UUID,
    settings: Settings,
    amounts: dict[uuid.UUID, int] | None = None,
) -> Invoice:
    """A draft credit note: everything still creditable (full), or the given amounts per line (partial)."""
    invoice = _issued_invoice(session, principal, invoice_id)
    credited = credited_per_line(session, invoice)
    note = _new_note(invoice, settings)
    for original in invoice.lines:
        left = original.amount_minor - credited.get(original.id, 0)
        wanted = left if amounts is None else amounts.get(original.id, 0)
        if wanted < 0 or (original.amount_minor >= 0 and wanted > left):
            raise ValidationFailed(
                f"line {original.position}: at most {left} minor units can still be credited",
                details=[field_error(f"line_{original.position}", "more than is left to credit")],
            )
        if wanted and (amounts is None or not original.informational):
            note.lines.append(_credit_line(original, wanted, invoice.currency, settings.billing_tax_rounding))
    if not note.lines:
        raise ValidationFailed("nothing to credit", details=[field_error("amounts", "nothing left to credit")])
    recompute(note)
    session.add(note)
    session.flush()
    audit.record(session, principal, "credit_note.create", "invoice", note.id, after={"credits": invoice.label})
    return note


def reissue(session: Session, principal: Principal, invoice_id: uuid.UUID, settings: Settings) -> Invoice:
    """A new draft with the lines of a fully credited invoice, to correct and issue again."""
    invoice = _issued_invoice(session, principal, invoice_id)
    credited = repository.credited_to(session, [invoice.id]).get(invoice.id, 0)
    if invoice.total_minor + credited != 0:
        raise Conflict(f"credit {invoice.label} in full before re-issuing it")
    draft = _new_note(invoice, settings, reissue=True)
    for original in invoice.lines:
        line = InvoiceLine(**{name: getattr(original, name) for name in COPIED})
        for name in ("position", "quantity", "unit_price", "amount_minor", "cost_minor", "tax_minor"):
            setattr(line, name, getattr(original, name))
        line.below_min_margin = original.below_min_margin
        draft.lines.append(line)
    recompute(draft)
    session.add(draft)
    session.flush()
    audit.record(session, principal, "invoice.reissue", "invoice", draft.id, after={"reissue_of": invoice.label})
    return draft
