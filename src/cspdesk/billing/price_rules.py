"""Price rule use cases: one rule per scope (customer/group x SKU/family, or the default)."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from cspdesk.auth.permissions import Permission
from cspdesk.auth.principal import Principal
from cspdesk.billing.rules import rule_key
from cspdesk.kit import audit
from cspdesk.kit.errors import Conflict, ValidationFailed, field_error
from cspdesk.kit.money import is_currency, to_minor
from cspdesk.models.billing import PRICE_MODES, PriceRule

RULE_FIELDS = [
    "customer_id",
    "group_id",
    "sku_id",
    "product_family",
    "mode",
    "percent",
    "fixed_price_minor",
    "fixed_currency",
    "min_margin_percent",
]


def _decimal(data: dict[str, str], name: str) -> Decimal | None:
    raw = data.get(name, "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationFailed(f"{name} is not a number", details=[field_error(name, "not a number")]) from exc


def _id(data: dict[str, str], name: str) -> uuid.UUID | None:
    raw = data.get(name, "").strip()
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError as exc:
        raise ValidationFailed(f"bad {name}", details=[field_error(name, "not an id")]) from exc


def _validate(rule: PriceRule) -> None:
    if rule.mode not in PRICE_MODES:
        raise ValidationFailed("unknown mode", details=[field_error("mode", f"one of {', '.join(PRICE_MODES)}")])
    if rule.mode.startswith("markup") and rule.percent is None:
        raise ValidationFailed("a markup needs a percent", details=[field_error("percent", "required")])
    scoped = rule.customer_id is not None or rule.group_id is not None
    if scoped and bool(rule.sku_id) == bool(rule.product_family):
        raise ValidationFailed("name a SKU or a product family", details=[field_error("sku_id", "SKU or family")])
    if rule.customer_id is not None and rule.group_id is not None:
        raise ValidationFailed("a customer or a group, not both", details=[field_error("group_id", "not both")])


def create_rule(session: Session, principal: Principal, data: dict[str, str]) -> PriceRule:
    """Add a price rule; a second rule for the same scope is refused."""
    principal.require(Permission.PRICE_RULES_WRITE)
    rule = PriceRule(
        customer_id=_id(data, "customer_id"),
        group_id=_id(data, "group_id"),
        sku_id=data.get("sku_id", "").strip(),
        product_family=data.get("product_family", "").strip(),
        mode=data.get("mode", "").strip(),
        percent=_decimal(data, "percent"),
        min_margin_percent=_decimal(data, "min_margin_percent"),
    )
    fixed = _decimal(data, "fixed_price")
    if rule.mode == "fixed_unit_price":
        currency = data.get("fixed_currency", "").strip().upper()
        if fixed is None or not is_currency(currency):
            raise ValidationFailed(
                "a fixed price needs an amount and a currency",
                details=[field_error("fixed_price", "amount and currency required")],
            )
        rule.fixed_price_minor, rule.fixed_currency = to_minor(fixed, currency), currency
    _validate(rule)
    from sqlalchemy import select

    if any(rule_key(r) == rule_key(rule) for r in session.execute(select(PriceRule)).scalars()):
        raise Conflict("a rule for this scope exists already")
    session.add(rule)
    session.flush()
    audit.record(
        session, principal, "price_rule.create", "price_rule", rule.id, after=audit.snapshot(rule, RULE_FIELDS)
    )
    return rule
