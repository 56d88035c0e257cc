"""Azure usage change: one cause with its drill-down (meter categories, Azure subscriptions, resource groups,
meters) and a daily chart.

Categories and Azure subscriptions use the invoice lines' exact amounts. Meters, resource groups and days only
exist as Microsoft's cost, so they are shown at the customer's prices by scaling each meter category's cost with
that category's invoiced amount over its cost: exact for a markup on cost, marked approximate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from cspdesk.explain.chart import daily_chart
from cspdesk.explain.difference import evidence_of
from cspdesk.explain.facts import InvoiceFacts
from cspdesk.explain.model import Cause, Detail
from cspdesk.models.billing import InvoiceLine

TOP = 5
ONE = Decimal(1)


def _counted(facts: InvoiceFacts) -> list[InvoiceLine]:
    return [x for x in facts.invoice.lines if x.kind == "usage" and not x.informational]


def _breakdown(facts: InvoiceFacts) -> list[InvoiceLine]:
    return [x for x in facts.invoice.lines if x.kind == "usage_breakdown"]


def _sum_by(lines: Iterable[InvoiceLine], key: str) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        sums[str(getattr(line, key))] += line.amount_minor
    return sums


def _ratios(facts: InvoiceFacts) -> dict[str, Decimal]:
    """Invoiced amount (minor units) per unit of Microsoft cost, per meter category."""
    amounts = _sum_by(_breakdown(facts), "meter_category")
    return {
        category: Decimal(amount) / cost
        for category, amount in amounts.items()
        if (cost := facts.usage.by_category.get(category))
    }


def _scaled(costs: dict[tuple[str, str], Decimal], ratios: dict[str, Decimal], with_category: bool) -> dict[str, int]:
    exact: dict[str, Decimal] = defaultdict(Decimal)
    for (category, name), cost in costs.items():
        exact[f"{category} · {name or '—'}" if with_category else name or "—"] += cost * ratios.get(category, ONE * 0)
    return {name: int(value.quantize(ONE, rounding=ROUND_HALF_UP)) for name, value in exact.items()}


def _details(level: str, before: dict[str, int], after: dict[str, int], approximate: bool, top: int) -> list[Detail]:
    rows = [
        Detail(level, name, before.get(name, 0), after.get(name, 0), approximate)
        for name in sorted(set(before) | set(after))
    ]
    rows.sort(key=lambda d: (-abs(d.change_minor), d.name))
    return [d for d in rows if d.change_minor][:top]


def _entitlement_names(lines: list[InvoiceLine]) -> dict[str, str]:
    return {x.entitlement_id: x.description.removeprefix("Azure · ") for x in lines}


def _by_entitlement(lines: list[InvoiceLine], names: dict[str, str]) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        sums[names.get(line.entitlement_id, line.entitlement_id)] += line.amount_minor
    return sums


def _daily(facts: InvoiceFacts) -> dict[int, int]:
    """Daily usage at the customer's prices: the day's cost times the month's invoiced-over-cost ratio."""
    total_cost = facts.usage.total
    if not total_cost:
        return {}
    ratio = Decimal(sum(x.amount_minor for x in _counted(facts))) / total_cost
    return {
        day.day: int((cost * ratio).quantize(ONE, rounding=ROUND_HALF_UP))
        for day, cost in sorted(facts.usage.by_day.items())
    }


def usage_causes(
    prev: InvoiceFacts, cur: InvoiceFacts, labels: tuple[str, str] = ("previous", "current")
) -> list[Cause]:
    """The Azure usage cause, or none when neither invoice has usage."""
    old, new = _counted(prev), _counted(cur)
    if not old and not new:
        return []
    amount = sum(x.amount_minor for x in new) - sum(x.amount_minor for x in old)
    cost = sum(x.cost_minor for x in new) - sum(x.cost_minor for x in old)
    cause = Cause("azure_usage", "azure", "Azure", amount, cost)
    cause.evidence = evidence_of([*old, *new, *_breakdown(prev), *_breakdown(cur)])
    names = _entitlement_names(old) | _entitlement_names(new)
    cause.details = [
        *_details("meter_category", _sum_by(_breakdown(prev), "meter_category"),
                  _sum_by(_breakdown(cur), "meter_category"), False, 1000),
        *_details("entitlement", _by_entitlement(old, names), _by_entitlement(new, names), False, TOP),
        *_details("resource_group", _scaled(prev.usage.by_group, _ratios(prev), False),
                  _scaled(cur.usage.by_group, _ratios(cur), False), True, TOP),
        *_details("meter", _scaled(prev.usage.by_meter, _ratios(prev), True),
                  _scaled(cur.usage.by_meter, _ratios(cur), True), True, TOP),
    ]  # fmt: skip
    cause.facts = {
        "before_minor": str(sum(x.amount_minor for x in old)),
        "after_minor": str(sum(x.amount_minor for x in new)),
        "resource_groups": "yes" if cur.usage.has_groups or prev.usage.has_groups else "no",
    }
    cause.chart_svg = daily_chart(_daily(prev), _daily(cur), labels)
    return [cause]
