"""Microsoft invoices (by hand and from files) and payments to Microsoft; every change audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.kit import audit, clock
from cspdesk.kit.errors import Conflict, NotFound, ValidationFailed, field_error
from cspdesk.kit.money import Money, to_minor
from cspdesk.microsoft.schemas import AmountIn, MicrosoftInvoiceIn, MicrosoftInvoicePatch, MicrosoftPaymentIn
from cspdesk.models.microsoft import CostLine, MicrosoftInvoice, MicrosoftInvoiceTotal, MicrosoftPayment

DEFAULT_TERMS_DAYS = 60
_FIELDS = ["number", "invoice_date", "period_start", "period_end", "due_date", "source", "notes"]


def snapshot(invoice: MicrosoftInvoice) -> dict[str, Any]:
    data = audit.snapshot(invoice, _FIELDS)
    data["totals"] = {t.currency: t.total_minor for t in invoice.totals}
    return data


def invoice_by_number(session: Session, number: str) -> MicrosoftInvoice | None:
    return session.execute(select(MicrosoftInvoice).where(MicrosoftInvoice.number == number)).scalar_one_or_none()


def access_invoice(session: Session, principal: Principal, invoice_id: uuid.UUID) -> MicrosoftInvoice:
    """Microsoft invoices are staff-only; portal users never reach them (404)."""
    principal.require(Permission.PAYABLES_READ)
    invoice = session.get(MicrosoftInvoice, invoice_id)
    if invoice is None or principal.is_portal:
        raise NotFound("Microsoft invoice not found")
    return invoice


def all_invoices(session: Session, principal: Principal) -> list[MicrosoftInvoice]:
    principal.require(Permission.PAYABLES_READ)
    stmt = select(MicrosoftInvoice).order_by(MicrosoftInvoice.invoice_date.desc(), MicrosoftInvoice.number)
    return [] if principal.is_portal else list(session.execute(stmt).scalars())


def _minor(amount: AmountIn) -> int:
    minor = to_minor(amount.amount, amount.currency, ROUND_HALF_UP)
    if Money(minor, amount.currency).amount != amount.amount:
        raise ValidationFailed(
            f"{amount.amount} has more decimals than {amount.currency} allows",
            details=[field_error("totals", "too many decimals for the currency")],
        )
    return minor


def _totals(amounts: Iterable[AmountIn]) -> list[MicrosoftInvoiceTotal]:
    return [MicrosoftInvoiceTotal(currency=a.currency, total_minor=_minor(a)) for a in amounts]


def set_totals(session: Session, invoice: MicrosoftInvoice, totals: dict[str, int]) -> None:
    """Update totals in place per currency (replacing rows would break the unique currency per invoice)."""
    current = {t.currency: t for t in invoice.totals}
    for currency, row in current.items():
        if currency not in totals:
            invoice.totals.remove(row)
    session.flush()
    for currency, minor in sorted(totals.items()):
        if currency in current:
            current[currency].total_minor = minor
        else:
            invoice.totals.append(MicrosoftInvoiceTotal(currency=currency, total_minor=minor))


def register_invoice(
    session: Session, principal: Principal, data: MicrosoftInvoiceIn, *, terms_days: int = DEFAULT_TERMS_DAYS
) -> MicrosoftInvoice:
    """Register a Microsoft invoice by hand; due date defaults to invoice date + the payment terms (net 60)."""
    principal.require(Permission.PAYABLES_WRITE)
    if invoice_by_number(session, data.number.strip()) is not None:
        raise Conflict(
            f"Microsoft invoice {data.number} is already registered",
            details=[field_error("number", "already registered")],
        )
    invoice = MicrosoftInvoice(
        number=data.number.strip(),
        invoice_date=data.invoice_date,
        period_start=data.period_start,
        period_end=data.period_end,
        due_date=data.due_date or data.invoice_date + timedelta(days=terms_days),
        source="manual",
        notes=data.notes,
        totals=_totals(data.totals),
    )
    session.add(invoice)
    session.flush()
    audit.record(
        session, principal, "microsoft_invoice.register", "microsoft_invoice", invoice.id, after=snapshot(invoice)
    )
    return invoice


def update_invoice(
    session: Session, principal: Principal, invoice_id: uuid.UUID, data: MicrosoftInvoicePatch
) -> MicrosoftInvoice:
    principal.require(Permission.PAYABLES_WRITE)
    invoice = access_invoice(session, principal, invoice_id)
    before = snapshot(invoice)
    changes = data.model_dump(exclude_unset=True, exclude={"totals"})
    for name, value in changes.items():
        if value is not None or name in ("period_start", "period_end"):
            setattr(invoice, name, value)
    if data.totals is not None:
        set_totals(session, invoice, {t.currency: t.total_minor for t in _totals(data.totals)})
    session.flush()
    old, new = audit.changed(before, snapshot(invoice))
    if new:
        audit.record(
            session, principal, "microsoft_invoice.update", "microsoft_invoice", invoice.id, before=old, after=new
        )
    return invoice


def delete_invoice(session: Session, principal: Principal, invoice_id: uuid.UUID) -> None:
    principal.require(Permission.PAYABLES_WRITE)
    invoice = access_invoice(session, principal, invoice_id)
    if invoice.payments:
        raise Conflict("this Microsoft invoice has payments recorded; it cannot be deleted")
    audit.record(
        session, principal, "microsoft_invoice.delete", "microsoft_invoice", invoice.id, before=snapshot(invoice)
    )
    session.delete(invoice)
    session.flush()


def record_payment(
    session: Session, principal: Principal, invoice_id: uuid.UUID, data: MicrosoftPaymentIn
) -> MicrosoftPayment:
    """Record a payment the partner made to Microsoft against one invoice, in one of its currencies."""
    principal.require(Permission.PAYABLES_WRITE)
    invoice = access_invoice(session, principal, invoice_id)
    if data.currency not in {t.currency for t in invoice.totals}:
        raise ValidationFailed(
            f"invoice {invoice.number} has no total in {data.currency}",
            details=[field_error("currency", "not a currency of this invoice")],
        )
    payment = MicrosoftPayment(
        paid_date=data.paid_date,
        currency=data.currency,
        amount_minor=_minor(AmountIn(currency=data.currency, amount=data.amount)),
        reference=data.reference.strip(),
        recorded_at=clock.now(),
        recorded_by=principal.label,
    )
    invoice.payments.append(payment)
    session.flush()
    after = audit.snapshot(payment, ["paid_date", "currency", "amount_minor", "reference"]) | {
        "invoice": invoice.number
    }
    audit.record(session, principal, "microsoft_payment.record", "microsoft_invoice", invoice.id, after=after)
    return payment


def _line_totals(session: Session, number: str) -> dict[str, int]:
    stmt = (
        select(CostLine.currency, func.sum(CostLine.total_minor))
        .where(CostLine.invoice_number == number)
        .group_by(CostLine.currency)
    )
    return {currency: int(total) for currency, total in session.execute(stmt)}


def register_from_file(
    session: Session,
    principal: Principal,
    numbers: Iterable[str],
    *,
    period: tuple[date, date] | None,
    invoice_date: date | None,
    terms_days: int,
) -> list[str]:
    """Register (or refresh the totals of) the invoices a billed file names, totals from its ledger lines.

    Totals of invoices typed in by hand are kept: the reconciliation page compares them with the lines.
    """
    registered = []
    for number in sorted(set(numbers)):
        totals = _line_totals(session, number)
        invoice = invoice_by_number(session, number)
        if invoice is None:
            issued = invoice_date or (period[1] + timedelta(days=1) if period else clock.today())
            invoice = MicrosoftInvoice(
                number=number,
                invoice_date=issued,
                period_start=period[0] if period else None,
                period_end=period[1] if period else None,
                due_date=issued + timedelta(days=terms_days),
                source="file",
            )
            session.add(invoice)
            before = None
        elif invoice.source != "file":
            continue
        else:
            before = snapshot(invoice)
        set_totals(session, invoice, totals)
        session.flush()
        action = "microsoft_invoice.register" if before is None else "microsoft_invoice.update"
        audit.record(
            session, principal, action, "microsoft_invoice", invoice.id, before=before, after=snapshot(invoice)
        )
        registered.append(number)
    return registered
