"""Turning one customer's cost lines, usage and partner charges of a period into invoice lines (pure, no I/O)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from cspdesk.billing.bulk import new_line_id
from cspdesk.billing.pricing import (
    CostRow,
    Priced,
    UsageRow,
    below_margin,
    is_credit,
    price_cost_row,
    price_usage_row,
    round_amount,
)
from cspdesk.billing.rules import Rule, RuleBook
from cspdesk.billing.taxes import TaxChoice, line_tax
from cspdesk.kit.money import from_minor

UNIT_PRICE_PLACES = Decimal("0.000001")
FxLookup = Callable[[str], Decimal]


@dataclass
class LineDraft:
    """The values of one InvoiceLine before it is written."""

    kind: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount_minor: int
    cost_minor: int = 0
    charge_type: str = ""
    product_family: str = ""
    sku_id: str = ""
    subscription_id: uuid.UUID | None = None
    microsoft_subscription_id: str = ""
    entitlement_id: str = ""
    meter_category: str = ""
    period_start: date | None = None
    period_end: date | None = None
    informational: bool = False
    below_min_margin: bool = False
    price_rule_id: uuid.UUID | None = None
    price_mode: str = ""
    source_cost_line_ids: str = ""
    usage_key: str = ""
    one_off_charge_id: uuid.UUID | None = None
    recurring_charge_id: uuid.UUID | None = None
    credited_line_id: uuid.UUID | None = None
    tax_rate: Decimal = Decimal(0)
    tax_minor: int = 0
    id: uuid.UUID = field(default_factory=new_line_id)


@dataclass(frozen=True)
class CustomerContext:
    id: uuid.UUID
    group_id: uuid.UUID | None
    currency: str
    period_start: date
    period_end: date


def unit_price_of(amount_minor: int, quantity: Decimal, currency: str) -> Decimal:
    if quantity == 0:
        return from_minor(amount_minor, currency)
    return (from_minor(amount_minor, currency) / quantity).quantize(UNIT_PRICE_PLACES)


def _cost_key(row: CostRow) -> tuple[object, ...]:
    return (
        row.subscription_id,
        row.microsoft_subscription_id,
        row.sku_id,
        row.charge_type.lower(),
        row.charge_start_date,
        row.charge_end_date,
        row.billing_frequency.lower(),
        row.unit_price,
        row.effective_unit_price,
        row.exchange_rate,
        row.currency,
        row.subtotal_minor < 0,
    )


def license_lines(ctx: CustomerContext, rows: Iterable[CostRow], book: RuleBook, fx: FxLookup) -> list[LineDraft]:
    """One line per Microsoft charge (identical rows, like two-line products, are merged); rounded once each."""
    groups: dict[tuple[object, ...], list[CostRow]] = defaultdict(list)
    for row in rows:
        groups[_cost_key(row)].append(row)
    lines = []
    # Rule and rate depend only on SKU, family and currency: resolved once per customer, not once per charge.
    resolved: dict[tuple[str, str, str], tuple[Rule, Decimal]] = {}
    for group in groups.values():
        first = group[0]
        key = (first.sku_id, first.product_family, first.currency)
        if key not in resolved:
            resolved[key] = (book.resolve(ctx.id, ctx.group_id, first.sku_id, first.product_family), fx(first.currency))
        rule, rate = resolved[key]
        priced = [price_cost_row(row, rule, rate, ctx.currency) for row in group]
        lines.append(_license_line(ctx, group, rule, Priced(sum_amount(priced), sum_cost(priced))))
    return sorted(lines, key=lambda d: (d.description, d.period_start or ctx.period_start, d.amount_minor))


def sum_amount(priced: list[Priced]) -> Decimal:
    return sum((p.amount for p in priced), Decimal(0))


def sum_cost(priced: list[Priced]) -> Decimal:
    return sum((p.cost for p in priced), Decimal(0))


def _license_line(ctx: CustomerContext, group: list[CostRow], rule: Rule, priced: Priced) -> LineDraft:
    first = group[0]
    amount = round_amount(priced.amount, ctx.currency)
    cost = round_amount(priced.cost, ctx.currency)
    quantity = sum((r.billable_quantity for r in group), Decimal(0))
    credit = is_credit(first)
    return LineDraft(
        kind="credit" if credit else "license",
        description=f"{first.product_name or first.sku_name} · {first.charge_type}",
        quantity=quantity,
        unit_price=unit_price_of(amount, quantity, ctx.currency),
        amount_minor=amount,
        cost_minor=cost,
        charge_type=first.charge_type,
        product_family=first.product_family,
        sku_id=first.sku_id,
        subscription_id=first.subscription_id,
        microsoft_subscription_id=first.microsoft_subscription_id,
        period_start=first.charge_start_date,
        period_end=first.charge_end_date,
        below_min_margin=not credit and below_margin(rule, amount, cost),
        price_rule_id=None if credit else rule.id,
        price_mode="pass_through" if credit else rule.mode,
        source_cost_line_ids=",".join(sorted(str(r.id) for r in group)),
    )


def usage_lines(
    ctx: CustomerContext, rows: Iterable[UsageRow], book: RuleBook, fx: FxLookup, keep_pec: bool
) -> list[LineDraft]:
    """Azure usage: one line per Azure subscription (entitlement), with one informational line per meter category."""
    by_entitlement: dict[str, dict[str, list[UsageRow]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_entitlement[row.entitlement_id][row.meter_category].append(row)
    rule = book.resolve(ctx.id, ctx.group_id, "", "azure_plan")
    lines: list[LineDraft] = []
    for entitlement_id in sorted(by_entitlement):
        categories = by_entitlement[entitlement_id]
        breakdown = [_usage_line(ctx, categories[name], rule, fx, keep_pec, name) for name in sorted(categories)]
        lines.append(_entitlement_line(ctx, entitlement_id, categories, rule, breakdown))
        lines.extend(breakdown)
    return lines


def _usage_key(ctx: CustomerContext, entitlement_id: str, category: str) -> str:
    return f"{ctx.id}|{entitlement_id}|{category}|{ctx.period_start.isoformat()}|{ctx.period_end.isoformat()}"


def _usage_line(
    ctx: CustomerContext, rows: list[UsageRow], rule: Rule, fx: FxLookup, keep_pec: bool, category: str
) -> LineDraft:
    priced = [price_usage_row(r, rule, fx(r.billing_currency), keep_pec) for r in rows]
    amount = round_amount(sum_amount(priced), ctx.currency)
    cost = round_amount(sum_cost(priced), ctx.currency)
    return LineDraft(
        kind="usage_breakdown",
        description=category,
        quantity=Decimal(1),
        unit_price=from_minor(amount, ctx.currency),
        amount_minor=amount,
        cost_minor=cost,
        product_family="azure_plan",
        subscription_id=rows[0].subscription_id,
        microsoft_subscription_id=rows[0].microsoft_subscription_id,
        entitlement_id=rows[0].entitlement_id,
        meter_category=category,
        period_start=ctx.period_start,
        period_end=ctx.period_end,
        informational=True,
        price_rule_id=rule.id,
        price_mode=rule.mode,
        usage_key=_usage_key(ctx, rows[0].entitlement_id, category),
    )


def _entitlement_line(
    ctx: CustomerContext, entitlement_id: str, categories: dict[str, list[UsageRow]], rule: Rule, parts: list[LineDraft]
) -> LineDraft:
    first = next(iter(categories.values()))[0]
    amount = sum(p.amount_minor for p in parts)
    cost = sum(p.cost_minor for p in parts)
    name = first.entitlement_description or entitlement_id
    return LineDraft(
        kind="usage",
        description=f"Azure · {name}",
        quantity=Decimal(1),
        unit_price=from_minor(amount, ctx.currency),
        amount_minor=amount,
        cost_minor=cost,
        product_family="azure_plan",
        subscription_id=first.subscription_id,
        microsoft_subscription_id=first.microsoft_subscription_id,
        entitlement_id=entitlement_id,
        period_start=ctx.period_start,
        period_end=ctx.period_end,
        below_min_margin=below_margin(rule, amount, cost),
        price_rule_id=rule.id,
        price_mode=rule.mode,
        usage_key=_usage_key(ctx, entitlement_id, ""),
    )


def charge_line(kind: str, description: str, unit_price_minor: int, quantity: Decimal, currency: str) -> LineDraft:
    """A partner charge (recurring, one-off, late fee): unit price times quantity, rounded once."""
    unit = from_minor(unit_price_minor, currency)
    return LineDraft(
        kind=kind,
        description=description,
        quantity=quantity,
        unit_price=unit,
        amount_minor=round_amount(unit * quantity, currency),
    )


def apply_tax(lines: list[LineDraft], tax: TaxChoice, currency: str, rounding: str) -> None:
    for line in lines:
        line.tax_rate = Decimal(0) if line.informational else tax.rate
        line.tax_minor = 0 if line.informational else line_tax(line.amount_minor, tax.rate, currency, rounding)


@dataclass(frozen=True)
class Totals:
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    cost_minor: int


def totals_of(lines: Iterable[Any]) -> Totals:
    """Totals are exact sums of the rounded lines; informational lines are not counted twice."""
    counted = [line for line in lines if not line.informational]
    subtotal = sum(int(line.amount_minor or 0) for line in counted)
    tax = sum(int(line.tax_minor or 0) for line in counted)
    cost = sum(int(line.cost_minor or 0) for line in counted)
    return Totals(subtotal, tax, subtotal + tax, cost)
