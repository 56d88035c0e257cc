"""The difference engine: why an invoice total differs from another one, in causes that add up exactly.

Every counted line of both invoices falls into exactly one bucket (a subscription's recurring base, seat changes,
cancellations, usage, partner charges, credits, ...); each bucket's change becomes one or more causes, tax is one
cause, and whatever the stored totals differ by beyond that is an explicit "unattributed" cause.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from cspdesk.explain.facts import InvoiceFacts
from cspdesk.explain.model import Cause, Evidence, decimal_text
from cspdesk.explain.subscriptions import (
    BASE_TYPES,
    MULTI_CYCLE,
    PLAN_TYPES,
    RENEWAL_TYPES,
    Base,
    describe_base,
    split_change,
)
from cspdesk.models.billing import InvoiceLine
from cspdesk.models.microsoft import CostLine

SEAT_TYPES = frozenset({"addquantity", "removequantity"})
CANCEL_TYPES = frozenset({"cancelimmediate"})
CREDIT_TYPES = frozenset({"customercredit"})
SIMPLE_KINDS = {"late_fee": "late_fees", "one_off": "one_time", "credit": "credits_refunds"}
_PERIOD_SUFFIX = re.compile(r"\s*\(\d{4}-\d{2}\)$")

UsageCauses = Callable[[InvoiceFacts, InvoiceFacts], list[Cause]]


@dataclass
class Side:
    """The lines of one invoice sorted into buckets."""

    facts: InvoiceFacts
    bases: dict[str, Base] = field(default_factory=dict)
    events: dict[tuple[str, str], list[InvoiceLine]] = field(default_factory=lambda: defaultdict(list))
    subjects: dict[str, str] = field(default_factory=dict)


def subscription_key(line: InvoiceLine) -> str:
    if line.subscription_id is not None:
        return str(line.subscription_id)
    return line.microsoft_subscription_id or f"sku:{line.sku_id}:{line.description.split(' · ')[0]}"


def subject_of(line: InvoiceLine, costs: list[CostLine]) -> str:
    if costs:
        return costs[0].product_name or costs[0].sku_name
    return line.description.split(" · ")[0]


def bucket_of(line: InvoiceLine, costs: list[CostLine]) -> str:
    """Which kind of change a counted line belongs to."""
    if line.kind in SIMPLE_KINDS:
        return SIMPLE_KINDS[line.kind]
    if line.kind == "recurring":
        return "recurring_charges"
    if line.kind == "usage":
        return "azure_usage"
    if line.kind != "license":
        return "unattributed"
    charge = line.charge_type.strip().lower()
    if charge in SEAT_TYPES:
        return "seats"
    if charge in CANCEL_TYPES:
        return "cancelled_subscription"
    if charge in CREDIT_TYPES:
        return "credits_refunds"
    if costs and all(not c.billing_frequency.strip() for c in costs):
        return "one_time"
    return "base" if charge in BASE_TYPES else "unattributed"


def event_key(bucket: str, line: InvoiceLine) -> str:
    if bucket in ("seats", "cancelled_subscription"):
        return subscription_key(line)
    if bucket == "recurring_charges":
        return str(line.recurring_charge_id or _PERIOD_SUFFIX.sub("", line.description))
    if bucket == "unattributed":
        return "lines"
    return ""


def sort_side(facts: InvoiceFacts) -> Side:
    side = Side(facts)
    for line in facts.invoice.lines:
        if line.informational:
            continue
        costs = facts.costs_of(line.cost_line_ids)
        bucket = bucket_of(line, costs)
        side.subjects.setdefault(subscription_key(line), subject_of(line, costs))
        if bucket == "base":
            base = side.bases.setdefault(subscription_key(line), Base(invoice=facts.invoice))
            base.lines.append(line)
            base.costs.extend(costs)
        else:
            side.events[(bucket, event_key(bucket, line))].append(line)
    return side


def evidence_of(lines: list[InvoiceLine]) -> Evidence:
    evidence = Evidence()
    for line in lines:
        evidence.invoice_line_ids.add(str(line.id))
        evidence.cost_line_ids |= {str(i) for i in line.cost_line_ids}
        if line.usage_key:
            evidence.usage_keys.add(line.usage_key)
    return evidence


class Collector:
    """Causes by (kind, key): amounts of the same cause add up, evidence and facts merge."""

    def __init__(self) -> None:
        self.causes: dict[tuple[str, str], Cause] = {}

    def add(self, kind: str, key: str, subject: str, amount: int, cost: int, lines: list[InvoiceLine]) -> Cause:
        cause = self.causes.get((kind, key))
        if cause is None:
            cause = self.causes[(kind, key)] = Cause(kind, key, subject, 0)
        cause.amount_minor += amount
        cause.cost_minor += cost
        cause.evidence.add(evidence_of(lines))
        return cause

    def result(self) -> list[Cause]:
        kept = [c for c in self.causes.values() if c.amount_minor or (c.cost_minor and c.kind != "unattributed")]
        return sorted(kept, key=lambda c: c.order)


def _both(prev: Base, cur: Base) -> list[InvoiceLine]:
    return [*prev.lines, *cur.lines]


def _base_kind_alone(base: Base, appeared: bool, cancelled: bool) -> str:
    """A subscription billed on only one of the two invoices."""
    if appeared:
        if base.charge_types & RENEWAL_TYPES or ("new" not in base.charge_types and base.frequency in MULTI_CYCLE):
            return "renewal_term"
        return "new_subscription"
    if base.frequency in MULTI_CYCLE and not cancelled:
        return "renewal_term"
    return "cancelled_subscription"


def _part_kind(part: str, prev: Base, cur: Base) -> str:
    if part != "proration":
        return part
    if "new" in prev.charge_types:
        return "new_subscription"
    return "renewal_term"


def compare_bases(out: Collector, key: str, subject: str, prev: Base, cur: Base, currency: str) -> None:
    lines = _both(prev, cur)
    if prev.frequency != cur.frequency or cur.charge_types & PLAN_TYPES:
        cause = out.add("billing_plan", key, subject, cur.amount - prev.amount, cur.cost - prev.cost, lines)
        cause.facts |= {"frequency_before": prev.frequency, "frequency_after": cur.frequency}
        return
    renewal = bool(cur.charge_types & RENEWAL_TYPES) or prev.term != cur.term
    for part, (amount, cost) in split_change(prev, cur).items():
        kind = _part_kind(part, prev, cur)
        if renewal and kind != "seats" and kind != "unattributed":
            kind = "renewal_term"
        cause = out.add(kind, key, subject, amount, cost, lines)
        _base_facts(cause, prev, cur, currency)


def _base_facts(cause: Cause, prev: Base, cur: Base, currency: str) -> None:
    before, after = describe_base(prev, currency), describe_base(cur, currency)
    for name, value in before.items():
        cause.facts[f"{name}_before"] = value
    for name, value in after.items():
        cause.facts[f"{name}_after"] = value


def compare_subscriptions(out: Collector, prev: Side, cur: Side, currency: str) -> None:
    for key in sorted(set(prev.bases) | set(cur.bases)):
        subject = cur.subjects.get(key) or prev.subjects.get(key, key)
        old, new = prev.bases.get(key), cur.bases.get(key)
        if old is not None and new is not None:
            compare_bases(out, key, subject, old, new, currency)
            continue
        base = new or old
        assert base is not None
        cancelled = ("cancelled_subscription", key) in cur.events
        kind = _base_kind_alone(base, new is not None, cancelled)
        sign = 1 if new is not None else -1
        cause = out.add(kind, key, subject, sign * base.amount, sign * base.cost, base.lines)
        suffix = "after" if new is not None else "before"
        cause.facts |= {f"{name}_{suffix}": value for name, value in describe_base(base, currency).items()}


def compare_events(out: Collector, prev: Side, cur: Side) -> None:
    for bucket, key in sorted(set(prev.events) | set(cur.events)):
        if bucket == "azure_usage":
            continue
        old, new = prev.events.get((bucket, key), []), cur.events.get((bucket, key), [])
        amount = sum(x.amount_minor for x in new) - sum(x.amount_minor for x in old)
        cost = sum(x.cost_minor for x in new) - sum(x.cost_minor for x in old)
        subject = _event_subject(bucket, key, old, new, cur, prev)
        cause = out.add(bucket, key or bucket, subject, amount, cost, [*old, *new])
        if bucket == "seats":
            _seat_facts(cause, old, new, cur.facts)
        if bucket == "cancelled_subscription":
            cause.facts["refund_minor"] = str(sum(x.amount_minor for x in new))


def _event_subject(bucket: str, key: str, old: list[InvoiceLine], new: list[InvoiceLine], cur: Side, prev: Side) -> str:
    if bucket in ("seats", "cancelled_subscription"):
        return cur.subjects.get(key) or prev.subjects.get(key, key)
    if bucket == "recurring_charges":
        return _PERIOD_SUFFIX.sub("", (new or old)[0].description)
    return ""


def _seat_facts(cause: Cause, old: list[InvoiceLine], new: list[InvoiceLine], facts: InvoiceFacts) -> None:
    """Seats added (+) or removed (-) this time, and the billable days of the first prorated charge."""
    seats = sum((x.quantity if x.amount_minor >= 0 else -x.quantity for x in new), Decimal(0))
    cause.facts["seats_changed"] = decimal_text(seats) if new else "0"
    cause.facts["previous_seat_charges_minor"] = str(sum(x.amount_minor for x in old))
    for line in new:
        base = Base(lines=[line], costs=facts.costs_of(line.cost_line_ids))
        if base.costs:
            details = describe_base(base, facts.invoice.currency)
            cause.facts.setdefault("billable_days", details["billable_days"])
            cause.facts.setdefault("cycle_days", details["cycle_days"])


def tax_cause(out: Collector, prev: InvoiceFacts, cur: InvoiceFacts) -> None:
    amount = cur.invoice.tax_minor - prev.invoice.tax_minor
    taxed = [x for x in [*prev.invoice.lines, *cur.invoice.lines] if x.tax_minor and not x.informational]
    cause = out.add("tax", "tax", cur.invoice.tax_name or prev.invoice.tax_name, amount, 0, [])
    cause.evidence.invoice_line_ids |= {str(x.id) for x in taxed}
    cause.facts |= {"rate_before": _tax_rate(prev), "rate_after": _tax_rate(cur)}
    cause.facts |= {"before_minor": str(prev.invoice.tax_minor), "after_minor": str(cur.invoice.tax_minor)}


def _tax_rate(facts: InvoiceFacts) -> str:
    rates = sorted({x.tax_rate for x in facts.invoice.lines if not x.informational})
    return ",".join(decimal_text(r) for r in rates)


def difference(prev: InvoiceFacts, cur: InvoiceFacts, usage_causes: UsageCauses) -> list[Cause]:
    """Causes of `cur.total - prev.total`, largest first; they add up to the difference exactly."""
    out = Collector()
    left, right = sort_side(prev), sort_side(cur)
    compare_subscriptions(out, left, right, cur.invoice.currency)
    compare_events(out, left, right)
    for cause in usage_causes(prev, cur):
        out.causes[(cause.kind, cause.key)] = cause
    tax_cause(out, prev, cur)
    explained = sum(c.amount_minor for c in out.causes.values())
    rest = (cur.invoice.total_minor - prev.invoice.total_minor) - explained
    out.add("unattributed", "lines", "", rest, 0, [])
    return out.result()
