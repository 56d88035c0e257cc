"""Console pages for price rules, payments, bank statements, unmatched lines and receivables."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import bank, payments, price_rules, receivables, repository
from cspdesk.billing.pdf import html_to_pdf, render_html
from cspdesk.kit import clock
from cspdesk.kit.errors import ValidationFailed, field_error
from cspdesk.kit.money import to_minor
from cspdesk.models.customer import Customer
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import DbSession, console
from cspdesk.web.templating import render

router = APIRouter(prefix="/console/billing", include_in_schema=False, dependencies=[Depends(verify_csrf)])
P = Permission


def _customers(session: DbSession) -> list[Customer]:
    return list(session.execute(select(Customer).order_by(Customer.name)).unique().scalars())


def _amount(raw: object, currency: str) -> int:
    try:
        return to_minor(Decimal(str(raw).strip().replace(",", ".")), currency)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed("amount is not a number", details=[field_error("amount", "not a number")]) from exc


def _uuid(raw: object, name: str) -> uuid.UUID | None:
    text = str(raw or "").strip()
    try:
        return uuid.UUID(text) if text else None
    except ValueError as exc:
        raise ValidationFailed(f"bad {name}", details=[field_error(name, "not an id")]) from exc


@router.get("/price-rules", response_class=HTMLResponse)
def rule_list(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.PRICE_RULES_WRITE))]
) -> Response:
    context = {"rules": repository.price_rules(session), "customers": _customers(session)}
    return render(request, "billing/price_rules.html", context)


@router.post("/price-rules")
async def rule_create(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.PRICE_RULES_WRITE))]
) -> Response:
    form = await request.form()
    price_rules.create_rule(session, principal, {k: str(v) for k, v in form.items() if k != "csrf_token"})
    return RedirectResponse("/console/billing/price-rules", status_code=303)


@router.get("/payments", response_class=HTMLResponse)
def payment_list(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.PAYMENTS_READ))]
) -> Response:
    context = {
        "payments": list(session.execute(repository.readable_payments(principal).limit(100)).unique().scalars()),
        "unmatched": repository.unmatched_bank_lines(session),
        "customers": _customers(session),
        "can_write": principal.can(P.PAYMENTS_WRITE),
        "today": clock.today(),
    }
    return render(request, "billing/payments.html", context)


@router.post("/payments")
async def payment_create(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.PAYMENTS_WRITE))]
) -> Response:
    form = await request.form()
    customer_id = _uuid(form.get("customer_id"), "customer_id")
    if customer_id is None:
        raise ValidationFailed("choose a customer", details=[field_error("customer_id", "required")])
    customer = repository.access_customer(session, principal, customer_id)
    currency = str(form.get("currency") or customer.billing_currency)
    received = date.fromisoformat(str(form.get("received_date") or clock.today().isoformat()))
    payments.record_payment(
        session,
        principal,
        customer_id,
        _amount(form.get("amount"), currency),
        currency,
        received,
        reference=str(form.get("reference", "")),
        invoice_id=_uuid(form.get("invoice_id"), "invoice_id"),
    )
    return RedirectResponse("/console/billing/payments", status_code=303)


@router.post("/bank-import")
async def bank_import(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.PAYMENTS_WRITE))]
) -> Response:
    form = await request.form()
    upload, pasted = form.get("file"), str(form.get("csv_text") or "")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        name, text = upload.filename, (await upload.read()).decode("utf-8-sig")
    elif pasted.strip():
        name, text = f"pasted-{clock.now().isoformat()}.csv", pasted
    else:
        raise ValidationFailed("choose a CSV file", details=[field_error("file", "required")])
    result = bank.import_statement(session, principal, name, text)
    return render(request, "billing/bank_result.html", {"result": result})


@router.post("/bank-lines/{bank_line_id}/assign")
async def bank_assign(
    bank_line_id: uuid.UUID,
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.PAYMENTS_WRITE))],
) -> Response:
    form = await request.form()
    customer_id = _uuid(form.get("customer_id"), "customer_id")
    if customer_id is None:
        raise ValidationFailed("choose a customer", details=[field_error("customer_id", "required")])
    bank.assign_line(session, principal, bank_line_id, customer_id, _uuid(form.get("invoice_id"), "invoice_id"))
    return RedirectResponse("/console/billing/payments", status_code=303)


@router.get("/receivables", response_class=HTMLResponse)
def receivables_page(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(console(P.PAYMENTS_READ))]
) -> Response:
    today = clock.today()
    items = receivables.open_invoices(session, today)
    aging = receivables.aging(items)
    show_margin = principal.can(P.MARGIN_READ)
    months = receivables.margins(session, "month") if show_margin else []
    cash = receivables.cash_picture(session, items)
    context = {
        "today": today,
        "items": items,
        "aging": aging,
        "aging_bars": {cur: receivables.bars(row) for cur, row in aging.items()},
        "dso": receivables.dso(session, items, today),
        "show_margin": show_margin,
        "by_customer": receivables.margins(session, "customer") if show_margin else [],
        "by_family": receivables.margins(session, "family") if show_margin else [],
        "by_month": months,
        "month_bars": receivables.bars({f"{m.key} {m.currency}": m.margin_minor for m in months}),
        "cash": cash,
        "cash_currencies": sorted({*cash.received, *cash.receivable, *cash.owed_to_microsoft}),
    }
    return render(request, "billing/receivables.html", context)


@router.get("/customers/{customer_id}/statement.pdf")
def statement_pdf(
    customer_id: uuid.UUID,
    session: DbSession,
    principal: Annotated[Principal, Depends(console(P.PAYMENTS_READ))],
) -> Response:
    customer = repository.access_customer(session, principal, customer_id)
    context = {
        "customer": customer,
        "entries": receivables.statement(session, customer),
        "balance": receivables.balance(session, customer),
        "today": clock.today(),
    }
    pdf = html_to_pdf(render_html("billing/pdf/statement.html", customer.language, context))
    headers = {"Content-Disposition": f'attachment; filename="statement-{customer.id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
