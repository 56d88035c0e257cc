"""The price engine: what a customer pays for one Microsoft cost line or a day of Azure usage.

Amounts stay exact Decimals here; the invoice line rounds them once (see `round_amount`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from cspdesk.billing.proration import proration
from cspdesk.billing.rules import PASS_THROUGH, Rule
from cspdesk.kit.errors import ValidationFailed, field_error
from cspdesk.kit.money import from_minor, to_minor

HUNDRED = Decimal(100)
# Invoice line amounts: half-up to the minor unit, the one rounding point for customer amounts.
LINE_ROUNDING = ROUND_HALF_UP
CREDIT_CHARGE_TYPES = frozenset({"customercredit"})


@dataclass(frozen=True)
class CostRow:
    """The columns of a cost-ledger line that pricing needs."""

    id: uuid.UUID
    customer_id: uuid.UUID
    subscription_id: uuid.UUID | None
    microsoft_subscription_id: str
    sku_id: str
    sku_name: str
    product_name: str
    product_family: str
    charge_type: str
    charge_start_date: date | None
    charge_end_date: date | None
    billing_frequency: str
    unit_price: Decimal
    effective_unit_price: Decimal
    billable_quantity: Decimal
    exchange_rate: Decimal
    currency: str
    subtotal_minor: int


@dataclass(frozen=True)
class Priced:
    """A customer amount (exact, in the customer's currency) against Microsoft's cost (exact, same currency)."""

    amount: Decimal
    cost: Decimal


def round_amount(amount: Decimal, currency: str) -> int:
    return to_minor(amount, currency, LINE_ROUNDING)


def _markup(value: Decimal, percent: Decimal) -> Decimal:
    return value * (HUNDRED + percent) / HUNDRED


def _signed(value: Decimal, negative: bool) -> Decimal:
    return -abs(value) if negative else abs(value)


def is_credit(row: CostRow) -> bool:
    return row.charge_type.strip().lower() in CREDIT_CHARGE_TYPES


def price_cost_row(row: CostRow, rule: Rule, fx: Decimal, currency: str) -> Priced:
    """Price one license/one-time/credit line; refunds and credits keep Microsoft's sign."""
    cost_ms = from_minor(row.subtotal_minor, row.currency)
    negative = row.subtotal_minor < 0 or (
        row.subtotal_minor == 0 and row.effective_unit_price * row.billable_quantity < 0
    )
    if is_credit(row):
        rule = PASS_THROUGH
    cost = cost_ms * fx
    if rule.mode == "markup_cost":
        return Priced(_markup(cost_ms, rule.percent) * fx, cost)
    if rule.mode == "markup_list":
        prorated = proration(row.charge_start_date, row.charge_end_date, row.billing_frequency)
        full = abs(row.unit_price * row.exchange_rate * row.billable_quantity)
        return Priced(_signed(_markup(prorated.apply(full), rule.percent), negative) * fx, cost)
    if rule.mode == "fixed_unit_price":
        return Priced(_signed(_fixed(row, rule, currency), negative), cost)
    return Priced(cost, cost)


def _fixed(row: CostRow, rule: Rule, currency: str) -> Decimal:
    """Fixed price per seat and month, times the months of the cycle, prorated by billable days."""
    if rule.fixed_price_minor is None or rule.fixed_currency != currency:
        raise ValidationFailed(
            f"fixed price rule {rule.id} is in {rule.fixed_currency}, the customer is billed in {currency}",
            details=[field_error("fixed_currency", "must be the customer's billing currency")],
        )
    prorated = proration(row.charge_start_date, row.charge_end_date, row.billing_frequency)
    per_seat = from_minor(rule.fixed_price_minor, currency) * prorated.months
    return prorated.apply(per_seat * abs(row.billable_quantity))


@dataclass(frozen=True)
class UsageRow:
    """The columns of a usage aggregate that pricing needs."""

    id: uuid.UUID
    customer_id: uuid.UUID
    subscription_id: uuid.UUID | None
    microsoft_subscription_id: str
    entitlement_id: str
    entitlement_description: str
    meter_category: str
    usage_date: date
    pec_percentage: Decimal
    quantity: Decimal
    billing_pre_tax_total: Decimal
    billing_currency: str
    unit_price: Decimal
    exchange_rate: Decimal


def price_usage_row(row: UsageRow, rule: Rule, fx: Decimal, keep_pec: bool) -> Priced:
    """Azure usage: cost is after PEC; keeping PEC as margin bills the price before PEC."""
    cost = row.billing_pre_tax_total
    base = cost
    if keep_pec and row.pec_percentage:
        base = cost * HUNDRED / (HUNDRED - row.pec_percentage)
    if rule.mode == "markup_cost":
        return Priced(_markup(base, rule.percent) * fx, cost * fx)
    if rule.mode == "markup_list":
        listed = row.unit_price * row.quantity * row.exchange_rate
        return Priced(_markup(listed, rule.percent) * fx, cost * fx)
    return Priced(base * fx, cost * fx)


def below_margin(rule: Rule, amount_minor: int, cost_minor: int) -> bool:
    """True when a positive line earns less than the rule's minimum margin."""
    if rule.min_margin_percent is None or amount_minor <= 0:
        return False
    return (amount_minor - cost_minor) * HUNDRED < rule.min_margin_percent * amount_minor
