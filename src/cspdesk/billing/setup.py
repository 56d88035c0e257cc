"""Billing master data an admin manages: tax rules, exchange rates, exemptions, partner charges."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing import repository
from cspdesk.kit import audit
from cspdesk.kit.errors import Conflict, NotFound, ValidationFailed, field_error
from cspdesk.kit.money import is_currency, to_minor
from cspdesk.kit.validation import country_codes
from cspdesk.models.billing import ExchangeRate, OneOffCharge, PriceRule, RecurringCharge, TaxExemption, TaxRule

P = Permission
T = TypeVar("T")
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
EXEMPTION_KINDS = ("exempt", "reverse_charge")
TAX_FIELDS = ["country", "rate_percent", "name", "valid_from"]
RATE_FIELDS = ["from_currency", "to_currency", "rate", "valid_from"]
CHARGE_FIELDS = ["customer_id", "description", "unit_price_minor", "currency", "quantity"]
RECURRING_FIELDS = [*CHARGE_FIELDS, "next_period", "end_period", "active"]


def _bad(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{name}: {message}", details=[field_error(name, message)])


def _text(data: dict[str, Any], name: str, required: bool = True) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise _bad(name, "required")
    return value


def _decimal(data: dict[str, Any], name: str, positive: bool = True) -> Decimal:
    try:
        value = Decimal(_text(data, name).replace(",", "."))
    except InvalidOperation as exc:
        raise _bad(name, "not a number") from exc
    if not value.is_finite() or (positive and value <= 0):
        raise _bad(name, "must be greater than zero")
    return value


def _date(data: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(_text(data, name))
    except ValueError as exc:
        raise _bad(name, "not a date (YYYY-MM-DD)") from exc


def _currency(data: dict[str, Any], name: str) -> str:
    code = _text(data, name).upper()
    if not is_currency(code):
        raise _bad(name, "not an ISO 4217 currency code")
    return code


def _period(data: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = _text(data, name, required)
    if value and not PERIOD.match(value):
        raise _bad(name, "not a month (YYYY-MM)")
    return value or None


def _customer_id(data: dict[str, Any]) -> uuid.UUID:
    try:
        return uuid.UUID(_text(data, "customer_id"))
    except ValueError as exc:
        raise _bad("customer_id", "not an id") from exc


def _get(session: Session, model: type[T], object_id: uuid.UUID) -> T:
    row = session.get(model, object_id)
    if row is None:
        raise NotFound("not found")
    return row


def create_tax_rule(session: Session, principal: Principal, data: dict[str, Any]) -> TaxRule:
    """Add a tax rate for a country from a date; the run uses the latest rule valid on the period end."""
    principal.require(P.PRICE_RULES_WRITE)
    country = _text(data, "country").upper()
    if country not in country_codes():
        raise _bad("country", "not an ISO 3166 country code")
    rate = _decimal(data, "rate_percent", positive=False)
    if rate < 0 or rate > 100:
        raise _bad("rate_percent", "between 0 and 100")
    rule = TaxRule(country=country, rate_percent=rate, name=_text(data, "name"), valid_from=_date(data, "valid_from"))
    session.add(rule)
    session.flush()
    audit.record(session, principal, "tax_rule.create", "tax_rule", rule.id, after=audit.snapshot(rule, TAX_FIELDS))
    return rule


def delete_tax_rule(session: Session, principal: Principal, rule_id: uuid.UUID) -> None:
    """Remove a tax rule; issued invoices keep the rate they were issued with."""
    principal.require(P.PRICE_RULES_WRITE)
    rule = _get(session, TaxRule, rule_id)
    before = audit.snapshot(rule, TAX_FIELDS)
    session.delete(rule)
    session.flush()
    audit.record(session, principal, "tax_rule.delete", "tax_rule", rule_id, before=before)


def create_exchange_rate(session: Session, principal: Principal, data: dict[str, Any]) -> ExchangeRate:
    """Add a rate from one currency to another, kept exactly as typed."""
    principal.require(P.PRICE_RULES_WRITE)
    rate = ExchangeRate(
        from_currency=_currency(data, "from_currency"),
        to_currency=_currency(data, "to_currency"),
        rate=_decimal(data, "rate"),
        valid_from=_date(data, "valid_from"),
    )
    if rate.from_currency == rate.to_currency:
        raise _bad("to_currency", "must differ from the source currency")
    session.add(rate)
    session.flush()
    audit.record(
        session, principal, "exchange_rate.create", "exchange_rate", rate.id, after=audit.snapshot(rate, RATE_FIELDS)
    )
    return rate


def delete_exchange_rate(session: Session, principal: Principal, rate_id: uuid.UUID) -> None:
    """Remove an exchange rate; issued invoices keep the rate they used."""
    principal.require(P.PRICE_RULES_WRITE)
    rate = _get(session, ExchangeRate, rate_id)
    before = audit.snapshot(rate, RATE_FIELDS)
    session.delete(rate)
    session.flush()
    audit.record(session, principal, "exchange_rate.delete", "exchange_rate", rate_id, before=before)


def set_exemption(session: Session, principal: Principal, customer_id: uuid.UUID, data: dict[str, Any]) -> TaxExemption:
    """Mark a customer tax exempt or reverse charge; the legal note is printed on its invoices."""
    principal.require(P.PRICE_RULES_WRITE)
    repository.access_customer(session, principal, customer_id)
    kind = _text(data, "kind")
    if kind not in EXEMPTION_KINDS:
        raise _bad("kind", f"one of {', '.join(EXEMPTION_KINDS)}")
    note = _text(data, "legal_note")
    row = session.query(TaxExemption).filter_by(customer_id=customer_id).one_or_none()
    before = audit.snapshot(row, ["kind", "legal_note"]) if row else {}
    if row is None:
        row = TaxExemption(customer_id=customer_id)
        session.add(row)
    row.kind, row.legal_note = kind, note
    session.flush()
    after = audit.snapshot(row, ["kind", "legal_note"])
    audit.record(session, principal, "tax_exemption.set", "customer", customer_id, before=before, after=after)
    return row


def clear_exemption(session: Session, principal: Principal, customer_id: uuid.UUID) -> None:
    """The customer pays the tax of its country again from the next run."""
    principal.require(P.PRICE_RULES_WRITE)
    repository.access_customer(session, principal, customer_id)
    row = session.query(TaxExemption).filter_by(customer_id=customer_id).one_or_none()
    if row is None:
        return
    before = audit.snapshot(row, ["kind", "legal_note"])
    session.delete(row)
    session.flush()
    audit.record(session, principal, "tax_exemption.clear", "customer", customer_id, before=before)


def _charge_values(session: Session, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    customer = repository.access_customer(session, principal, _customer_id(data))
    currency = str(data.get("currency") or customer.billing_currency).strip().upper()
    if currency != customer.billing_currency:
        raise _bad("currency", f"must be the customer's billing currency {customer.billing_currency}")
    price = _decimal(data, "unit_price", positive=False)
    return {
        "customer_id": customer.id,
        "description": _text(data, "description"),
        "unit_price_minor": to_minor(price, currency),
        "currency": currency,
        "quantity": _decimal(data, "quantity"),
    }


def create_recurring(session: Session, principal: Principal, data: dict[str, Any]) -> RecurringCharge:
    """A monthly partner charge billed from its first period until stopped or its end period."""
    principal.require(P.INVOICES_WRITE)
    values = _charge_values(session, principal, data)
    first, end = _period(data, "first_period"), _period(data, "end_period", required=False)
    if end is not None and first is not None and end < first:
        raise _bad("end_period", "before the first period")
    charge = RecurringCharge(**values, next_period=first, end_period=end, active=True)
    session.add(charge)
    session.flush()
    after = audit.snapshot(charge, RECURRING_FIELDS)
    audit.record(session, principal, "recurring_charge.create", "recurring_charge", charge.id, after=after)
    return charge


def stop_recurring(session: Session, principal: Principal, charge_id: uuid.UUID) -> RecurringCharge:
    """Stop a recurring charge; periods already drafted keep their line."""
    principal.require(P.INVOICES_WRITE)
    charge = _get(session, RecurringCharge, charge_id)
    repository.access_customer(session, principal, charge.customer_id)
    if charge.active:
        charge.active = False
        session.flush()
        audit.record(
            session,
            principal,
            "recurring_charge.stop",
            "recurring_charge",
            charge.id,
            before={"active": True},
            after={"active": False},
        )
    return charge


def create_one_off(session: Session, principal: Principal, data: dict[str, Any]) -> OneOffCharge:
    """A single partner charge put on the customer's next draft."""
    principal.require(P.INVOICES_WRITE)
    charge = OneOffCharge(**_charge_values(session, principal, data))
    session.add(charge)
    session.flush()
    after = audit.snapshot(charge, CHARGE_FIELDS)
    audit.record(session, principal, "one_off_charge.create", "one_off_charge", charge.id, after=after)
    return charge


def delete_one_off(session: Session, principal: Principal, charge_id: uuid.UUID) -> None:
    """Delete a one-off charge while it is on no invoice yet."""
    principal.require(P.INVOICES_WRITE)
    charge = _get(session, OneOffCharge, charge_id)
    repository.access_customer(session, principal, charge.customer_id)
    if charge.invoice_id is not None:
        raise Conflict("the charge is on an invoice already")
    before = audit.snapshot(charge, CHARGE_FIELDS)
    session.delete(charge)
    session.flush()
    audit.record(session, principal, "one_off_charge.delete", "one_off_charge", charge_id, before=before)


def delete_price_rule(session: Session, principal: Principal, rule_id: uuid.UUID) -> None:
    """Remove a price rule; the next run prices with the next most specific rule."""
    principal.require(P.PRICE_RULES_WRITE)
    rule = _get(session, PriceRule, rule_id)
    before = audit.snapshot(rule, ["customer_id", "group_id", "sku_id", "product_family", "mode", "percent"])
    session.delete(rule)
    session.flush()
    audit.record(session, principal, "price_rule.delete", "price_rule", rule_id, before=before)
