"""License lines of one subscription across two invoices: the recurring base and how its change splits into causes.

The base charge of a subscription is quantity x full-cycle unit price x proration; its change is split by
substituting one factor at a time, in a fixed order: seats, proration, exchange rate, list price, discount or
promotion, and last the partner's price (markup). Each part is rounded half up to the minor unit and the last
part takes what is left, so the parts always add up to the change of the rounded line amounts exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from cspdesk.billing.proration import proration
from cspdesk.explain.model import decimal_text
from cspdesk.models.billing import Invoice, InvoiceLine
from cspdesk.models.microsoft import CostLine

ONE = Decimal(1)
ZERO = Decimal(0)
BASE_TYPES = frozenset({"new", "renew", "cyclecharge", "extendterm", "convert", "changebillingplan"})
PLAN_TYPES = frozenset({"convert", "changebillingplan"})
RENEWAL_TYPES = frozenset({"renew", "extendterm"})
MULTI_CYCLE = frozenset({"annual", "triennial"})
PRICE_PARTS = ("price_exchange_rate", "price_list", "price_promotion")


@dataclass
class Base:
    """The recurring charges of one subscription on one invoice."""

    lines: list[InvoiceLine] = field(default_factory=list)
    costs: list[CostLine] = field(default_factory=list)
    invoice: Invoice | None = None

    @property
    def amount(self) -> int:
        return sum(line.amount_minor for line in self.lines)

    @property
    def cost(self) -> int:
        return sum(line.cost_minor for line in self.lines)

    @property
    def quantity(self) -> Decimal:
        return sum((line.quantity for line in self.lines), ZERO)

    @property
    def charge_types(self) -> set[str]:
        return {line.charge_type.strip().lower() for line in self.lines}

    @property
    def frequency(self) -> str:
        return self.costs[0].billing_frequency.strip().lower() if self.costs else ""

    @property
    def term(self) -> str:
        return self.costs[0].term_and_billing_cycle.strip() if self.costs else ""

    @property
    def fraction(self) -> Decimal:
        """Billable days over cycle days of the first charge (1 for a full cycle or without ledger rows)."""
        if not self.costs:
            return ONE
        first = self.costs[0]
        p = proration(first.charge_start_date, first.charge_end_date, first.billing_frequency)
        return ONE if p.full else Decimal(p.billable_days) / Decimal(p.cycle_days)

    @property
    def list_price(self) -> Decimal:
        return self.costs[0].unit_price if self.costs else ZERO

    @property
    def discount(self) -> Decimal:
        """Effective over list price for a full cycle (promotions, discounts; Microsoft's proration taken out)."""
        if not self.costs or not self.list_price:
            return ONE
        return self.costs[0].effective_unit_price / self.list_price / self.fraction

    @property
    def rate(self) -> Decimal:
        """Pricing currency to the customer's: Microsoft's PCToBC rate times the invoice's own rate, if any."""
        if not self.costs:
            return ONE
        first = self.costs[0]
        invoice_rate = ONE
        if self.invoice is not None and self.invoice.fx_rate and self.invoice.fx_from_currency == first.currency:
            invoice_rate = self.invoice.fx_rate
        return first.exchange_rate * invoice_rate

    @property
    def promotions(self) -> set[str]:
        return {c.promotion_id for c in self.costs if c.promotion_id}

    @property
    def rule(self) -> tuple[str, str]:
        first = self.lines[0]
        return (str(first.price_rule_id or ""), first.price_mode)


@dataclass(frozen=True)
class Factors:
    """Which Microsoft inputs move the customer's price under the line's price mode."""

    rate: bool = True
    list_price: bool = True
    discount: bool = True


def factors_for(mode: str) -> Factors:
    if mode == "fixed_unit_price":
        return Factors(rate=False, list_price=False, discount=False)
    if mode == "markup_list":
        return Factors(discount=False)
    return Factors()


def _scale(base: Base, total_minor: int) -> Decimal | None:
    """Minor units per unit of list x discount x rate: the partner's price factor (cost side: the rounding only)."""
    unit = base.list_price * base.discount * base.rate
    if not base.costs or not unit or not base.quantity:
        return None
    return Decimal(total_minor) / base.quantity / base.fraction / unit


def _exact_parts(prev: Base, cur: Base, scale: Decimal, use: Factors) -> dict[str, Decimal]:
    """Sequential substitution, already in minor units (before rounding)."""
    q0, q1, f0, f1 = prev.quantity, cur.quantity, prev.fraction, cur.fraction
    list0, d0, x0 = prev.list_price, prev.discount, prev.rate
    list1 = cur.list_price if use.list_price else list0
    d1 = cur.discount if use.discount else d0
    x1 = cur.rate if use.rate else x0
    full0 = list0 * d0 * x0 * scale
    return {
        "seats": (q1 - q0) * full0 * f0,
        "proration": q1 * full0 * (f1 - f0),
        "price_exchange_rate": q1 * f1 * list0 * d0 * (x1 - x0) * scale,
        "price_list": q1 * f1 * (list1 - list0) * d0 * x1 * scale,
        "price_promotion": q1 * f1 * list1 * (d1 - d0) * x1 * scale,
    }


def _simple_parts(prev: Base, cur: Base, prev_total: int) -> dict[str, Decimal]:
    """Without ledger rows only seats and proration can be told apart, at the previous unit price."""
    unit0 = Decimal(prev_total) / prev.quantity / prev.fraction if prev.quantity else ZERO
    return {
        "seats": (cur.quantity - prev.quantity) * unit0 * prev.fraction,
        "proration": cur.quantity * unit0 * (cur.fraction - prev.fraction),
    }


def _half_up(value: Decimal) -> int:
    return int(value.quantize(ONE, rounding=ROUND_HALF_UP))


def _settle(rounded: dict[str, int], residual: int, tolerance: int, has_ledger: bool) -> dict[str, int]:
    """Rounding goes to the largest part; a real rest is the partner's price (with ledger rows) or unattributed."""
    result = {name: value for name, value in rounded.items() if value}
    if not residual:
        return result
    if abs(residual) <= tolerance and result:
        largest = max(result, key=lambda name: (abs(result[name]), -list(result).index(name)))
        result[largest] += residual
        return result
    target = "price_rule" if has_ledger else "unattributed"
    result[target] = result.get(target, 0) + residual
    return result


def _split(prev: Base, cur: Base, totals: tuple[int, int], use: Factors) -> dict[str, int]:
    scale = _scale(prev, totals[0])
    has_ledger = scale is not None and _scale(cur, totals[1]) is not None
    if scale is None or not has_ledger:
        exact = _simple_parts(prev, cur, totals[0])
    else:
        exact = _exact_parts(prev, cur, scale, use)
    rounded = {name: _half_up(value) for name, value in exact.items()}
    residual = totals[1] - totals[0] - sum(rounded.values())
    return _settle(rounded, residual, len(prev.lines) + len(cur.lines), has_ledger)


def split_change(prev: Base, cur: Base) -> dict[str, tuple[int, int]]:
    """The change of one subscription's recurring charge in named parts, each (amount, cost) in minor units."""
    use = factors_for(cur.lines[0].price_mode if cur.lines else "")
    if prev.rule != cur.rule:
        use = Factors(rate=False, list_price=False, discount=False)
    amounts = _split(prev, cur, (prev.amount, cur.amount), use)
    costs = _split(prev, cur, (prev.cost, cur.cost), Factors())
    names = sorted(set(amounts) | set(costs))
    return {name: (amounts.get(name, 0), costs.get(name, 0)) for name in names}


def describe_base(base: Base, currency: str) -> dict[str, str]:
    """Facts for the words: quantity, proration, list price, discount, exchange rate, promotions."""
    facts = {"quantity": decimal_text(base.quantity), "frequency": base.frequency, "term": base.term}
    if base.costs:
        first = base.costs[0]
        p = proration(first.charge_start_date, first.charge_end_date, first.billing_frequency)
        facts |= {"billable_days": str(p.billable_days), "cycle_days": str(p.cycle_days)}
        facts |= {"list_price": decimal_text(base.list_price), "pricing_currency": first.pricing_currency or currency}
        facts |= {"rate": decimal_text(base.rate), "promotions": ",".join(sorted(base.promotions))}
    return facts
