"""API for what the invoice run uses: tax rules, exemptions, exchange rates, partner charges."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import setup
from cspdesk.models.billing import ExchangeRate, OneOffCharge, RecurringCharge, TaxRule
from cspdesk.web.deps import DbSession, api
from cspdesk.web.errors import API_ERRORS, WRITE_ERRORS

router = APIRouter(prefix="/api/billing", tags=["billing"], responses=API_ERRORS)
P = Permission
Reader = Annotated[Principal, Depends(api(P.INVOICES_READ))]
RuleWriter = Annotated[Principal, Depends(api(P.PRICE_RULES_WRITE))]
ChargeWriter = Annotated[Principal, Depends(api(P.INVOICES_WRITE))]


class TaxRuleIn(BaseModel):
    country: str
    rate_percent: str
    name: str
    valid_from: str


class TaxRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    country: str
    rate_percent: Decimal
    name: str
    valid_from: date


class RateIn(BaseModel):
    from_currency: str
    to_currency: str
    rate: str
    valid_from: str


class RateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    from_currency: str
    to_currency: str
    rate: Decimal
    valid_from: date


class ExemptionIn(BaseModel):
    kind: str
    legal_note: str


class ChargeIn(BaseModel):
    customer_id: str
    description: str
    unit_price: str
    quantity: str
    currency: str = ""


class RecurringIn(ChargeIn):
    first_period: str
    end_period: str = ""


class ChargeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    customer_id: uuid.UUID
    description: str
    unit_price_minor: int
    currency: str
    quantity: Decimal


class RecurringOut(ChargeOut):
    next_period: str
    end_period: str | None
    active: bool


class OneOffOut(ChargeOut):
    invoice_id: uuid.UUID | None


def _scoped(principal: Principal, stmt: Any, model: Any) -> Any:
    return stmt.where(model.customer_id == principal.customer_id) if principal.is_portal else stmt


@router.get("/tax-rules", response_model=list[TaxRuleOut])
def list_tax_rules(session: DbSession, principal: Reader) -> list[TaxRuleOut]:
    rows = session.execute(select(TaxRule).order_by(TaxRule.country, TaxRule.valid_from)).scalars()
    return [TaxRuleOut.model_validate(r) for r in rows]


@router.post("/tax-rules", response_model=TaxRuleOut, status_code=201, responses=WRITE_ERRORS)
def create_tax_rule(data: TaxRuleIn, session: DbSession, principal: RuleWriter) -> TaxRuleOut:
    return TaxRuleOut.model_validate(setup.create_tax_rule(session, principal, data.model_dump()))


@router.delete("/tax-rules/{tax_rule_id}", status_code=204, responses=WRITE_ERRORS)
def delete_tax_rule(tax_rule_id: uuid.UUID, session: DbSession, principal: RuleWriter) -> Response:
    setup.delete_tax_rule(session, principal, tax_rule_id)
    return Response(status_code=204)


@router.get("/exchange-rates", response_model=list[RateOut])
def list_rates(session: DbSession, principal: Reader) -> list[RateOut]:
    stmt = select(ExchangeRate).order_by(ExchangeRate.from_currency, ExchangeRate.valid_from)
    return [RateOut.model_validate(r) for r in session.execute(stmt).scalars()]


@router.post("/exchange-rates", response_model=RateOut, status_code=201, responses=WRITE_ERRORS)
def create_rate(data: RateIn, session: DbSession, principal: RuleWriter) -> RateOut:
    return RateOut.model_validate(setup.create_exchange_rate(session, principal, data.model_dump()))


@router.delete("/exchange-rates/{exchange_rate_id}", status_code=204, responses=WRITE_ERRORS)
def delete_rate(exchange_rate_id: uuid.UUID, session: DbSession, principal: RuleWriter) -> Response:
    setup.delete_exchange_rate(session, principal, exchange_rate_id)
    return Response(status_code=204)


@router.put("/customers/{customer_id}/tax-exemption", status_code=204, responses=WRITE_ERRORS)
def set_exemption(customer_id: uuid.UUID, data: ExemptionIn, session: DbSession, principal: RuleWriter) -> Response:
    setup.set_exemption(session, principal, customer_id, data.model_dump())
    return Response(status_code=204)


@router.delete("/customers/{customer_id}/tax-exemption", status_code=204, responses=WRITE_ERRORS)
def clear_exemption(customer_id: uuid.UUID, session: DbSession, principal: RuleWriter) -> Response:
    setup.clear_exemption(session, principal, customer_id)
    return Response(status_code=204)


@router.get("/recurring-charges", response_model=list[RecurringOut])
def list_recurring(session: DbSession, principal: Reader) -> list[RecurringOut]:
    stmt = _scoped(principal, select(RecurringCharge).order_by(RecurringCharge.created_at), RecurringCharge)
    return [RecurringOut.model_validate(r) for r in session.execute(stmt).scalars()]


@router.post("/recurring-charges", response_model=RecurringOut, status_code=201, responses=WRITE_ERRORS)
def create_recurring(data: RecurringIn, session: DbSession, principal: ChargeWriter) -> RecurringOut:
    return RecurringOut.model_validate(setup.create_recurring(session, principal, data.model_dump()))


@router.post("/recurring-charges/{recurring_charge_id}/stop", response_model=RecurringOut, responses=WRITE_ERRORS)
def stop_recurring(recurring_charge_id: uuid.UUID, session: DbSession, principal: ChargeWriter) -> RecurringOut:
    return RecurringOut.model_validate(setup.stop_recurring(session, principal, recurring_charge_id))


@router.get("/one-off-charges", response_model=list[OneOffOut])
def list_one_offs(session: DbSession, principal: Reader) -> list[OneOffOut]:
    stmt = _scoped(principal, select(OneOffCharge).order_by(OneOffCharge.created_at), OneOffCharge)
    return [OneOffOut.model_validate(r) for r in session.execute(stmt).scalars()]


@router.post("/one-off-charges", response_model=OneOffOut, status_code=201, responses=WRITE_ERRORS)
def create_one_off(data: ChargeIn, session: DbSession, principal: ChargeWriter) -> OneOffOut:
    return OneOffOut.model_validate(setup.create_one_off(session, principal, data.model_dump()))


@router.delete("/one-off-charges/{one_off_charge_id}", status_code=204, responses=WRITE_ERRORS)
def delete_one_off(one_off_charge_id: uuid.UUID, session: DbSession, principal: ChargeWriter) -> Response:
    setup.delete_one_off(session, principal, one_off_charge_id)
    return Response(status_code=204)


@router.delete("/price-rules/{price_rule_id}", status_code=204, responses=WRITE_ERRORS)
def delete_price_rule(price_rule_id: uuid.UUID, session: DbSession, principal: RuleWriter) -> Response:
    setup.delete_price_rule(session, principal, price_rule_id)
    return Response(status_code=204)
