"""Console pages for what the invoice run uses: tax rules, exemptions, exchange rates, partner charges."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import setup
from cspdesk.kit.errors import ValidationFailed
from cspdesk.models.billing import ExchangeRate, OneOffCharge, RecurringCharge, TaxExemption, TaxRule
from cspdesk.models.customer import Customer
from cspdesk.web import forms
from cspdesk.web.csrf import verify_csrf
from cspdesk.web.deps import DbSession, console
from cspdesk.web.templating import render

router = APIRouter(prefix="/console/billing", include_in_schema=False, dependencies=[Depends(verify_csrf)])
P = Permission
Reader = Annotated[Principal, Depends(console(P.INVOICES_READ))]
RuleWriter = Annotated[Principal, Depends(console(P.PRICE_RULES_WRITE))]
ChargeWriter = Annotated[Principal, Depends(console(P.INVOICES_WRITE))]


def _all(session: Session, stmt: Any) -> list[Any]:
    return list(session.execute(stmt).unique().scalars())


def _taxes_context(session: Session) -> dict[str, Any]:
    return {
        "tax_rules": _all(session, select(TaxRule).order_by(TaxRule.country, TaxRule.valid_from)),
        "exemptions": _all(session, select(TaxExemption)),
        "rates": _all(session, select(ExchangeRate).order_by(ExchangeRate.from_currency, ExchangeRate.valid_from)),
        "customers": _all(session, select(Customer).order_by(Customer.name)),
    }


def _charges_context(session: Session) -> dict[str, Any]:
    return {
        "recurring": _all(session, select(RecurringCharge).order_by(RecurringCharge.created_at)),
        "one_offs": _all(session, select(OneOffCharge).order_by(OneOffCharge.created_at)),
        "customers": _all(session, select(Customer).order_by(Customer.name)),
    }


def _page(
    request: Request,
    session: Session,
    template: str,
    form: str = "",
    values: Any = None,
    errors: dict[str, str] | None = None,
) -> Response:
    build = _taxes_context if template == "taxes" else _charges_context
    context = build(session) | {"form": form, "values": values or {}, "errors": errors or {}}
    return render(request, f"billing/{template}.html", context, status_code=422 if errors else 200)


async def _submit(
    request: Request, session: Session, template: str, form: str, action: Callable[[dict[str, str]], object]
) -> Response:
    """Run a change from a form; field errors re-render the page with the typed values."""
    data = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    try:
        action(data)
    except ValidationFailed as exc:
        return _page(request, session, template, form, data, forms.app_error_fields(exc))
    return RedirectResponse(f"/console/billing/{template}", status_code=303)


@router.get("/taxes", response_class=HTMLResponse)
def taxes_page(request: Request, session: DbSession, principal: Reader) -> Response:
    return _page(request, session, "taxes")


@router.post("/tax-rules")
async def tax_rule_create(request: Request, session: DbSession, principal: RuleWriter) -> Response:
    return await _submit(request, session, "taxes", "tax_rule", lambda d: setup.create_tax_rule(session, principal, d))


@router.post("/tax-rules/{tax_rule_id}/delete")
def tax_rule_delete(tax_rule_id: uuid.UUID, session: DbSession, principal: RuleWriter) -> Response:
    setup.delete_tax_rule(session, principal, tax_rule_id)
    return RedirectResponse("/console/billing/taxes", status_code=303)


@router.post("/exchange-rates")
async def rate_create(request: Request, session: DbSession, principal: RuleWriter) -> Response:
    return await _submit(request, session, "taxes", "rate", lambda d: setup.create_exchange_rate(session, principal, d))


@router.post("/exchange-rates/{exchange_rate_id}/delete")
def rate_delete(exchange_rate_id: uuid.UUID, session: DbSession, principal: RuleWriter) -> Response:
    setup.delete_exchange_rate(session, principal, exchange_rate_id)
    return RedirectResponse("/console/billing/taxes", status_code=303)


@router.post("/customers/{customer_id}/tax-exemption")
async def exemption_set(
    customer_id: uuid.UUID, request: Request, session: DbSession, principal: RuleWriter
) -> Response:
    return await _submit(
        request, session, "taxes", "exemption", lambda d: setup.set_exemption(session, principal, customer_id, d)
    )


@router.post("/customers/{customer_id}/tax-exemption/clear")
def exemption_clear(customer_id: uuid.UUID, session: DbSession, principal: RuleWriter) -> Response:
    setup.clear_exemption(session, principal, customer_id)
    return RedirectResponse("/console/billing/taxes", status_code=303)


@router.get("/charges", response_class=HTMLResponse)
def charges_page(request: Request, session: DbSession, principal: Reader) -> Response:
    return _page(request, session, "charges")


@router.post("/recurring-charges")
async def recurring_create(request: Request, session: DbSession, principal: ChargeWriter) -> Response:
    return await _submit(
        request, session, "charges", "recurring", lambda d: setup.create_recurring(session, principal, d)
    )


@router.post("/recurring-charges/{recurring_charge_id}/stop")
def recurring_stop(recurring_charge_id: uuid.UUID, session: DbSession, principal: ChargeWriter) -> Response:
    setup.stop_recurring(session, principal, recurring_charge_id)
    return RedirectResponse("/console/billing/charges", status_code=303)


@router.post("/one-off-charges")
async def one_off_create(request: Request, session: DbSession, principal: ChargeWriter) -> Response:
    return await _submit(request, session, "charges", "one_off", lambda d: setup.create_one_off(session, principal, d))


@router.post("/one-off-charges/{one_off_charge_id}/delete")
def one_off_delete(one_off_charge_id: uuid.UUID, session: DbSession, principal: ChargeWriter) -> Response:
    setup.delete_one_off(session, principal, one_off_charge_id)
    return RedirectResponse("/console/billing/charges", status_code=303)


@router.post("/price-rules/{price_rule_id}/delete")
def price_rule_delete(price_rule_id: uuid.UUID, session: DbSession, principal: RuleWriter) -> Response:
    setup.delete_price_rule(session, principal, price_rule_id)
    return RedirectResponse("/console/billing/price-rules", status_code=303)
