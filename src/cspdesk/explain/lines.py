"""Every invoice line as facts: what it is, which subscription, period, quantity, unit price, proration,
exchange rate, partner credits or promotions, tax; cost and margin only for principals who may see them.

Microsoft's effective price and partner earned credit are the partner's cost: they are shown to the customer only
where the line is passed through at cost (then they are the customer's own price).
"""

from __future__ import annotations

from cspdesk.billing.proration import proration
from cspdesk.explain.difference import evidence_of, subject_of
from cspdesk.explain.facts import InvoiceFacts
from cspdesk.explain.model import LineExplanation, decimal_text
from cspdesk.models.billing import InvoiceLine
from cspdesk.models.microsoft import CostLine


def _base_facts(line: InvoiceLine) -> dict[str, str]:
    facts = {
        "quantity": decimal_text(line.quantity),
        "unit_price": decimal_text(line.unit_price),
        "tax_rate": decimal_text(line.tax_rate),
    }
    if line.period_start is not None:
        facts["period_start"] = line.period_start.isoformat()
    if line.period_end is not None:
        facts["period_end"] = line.period_end.isoformat()
    return facts


def _license_facts(line: InvoiceLine, costs: list[CostLine], facts: InvoiceFacts, show_cost: bool) -> dict[str, str]:
    found = {"product": subject_of(line, costs), "charge_type": line.charge_type.strip().lower()}
    found["subscription"] = line.microsoft_subscription_id
    if not costs:
        return found
    first = costs[0]
    p = proration(first.charge_start_date, first.charge_end_date, first.billing_frequency)
    if not p.full:
        found |= {"billable_days": str(p.billable_days), "cycle_days": str(p.cycle_days)}
    found |= {
        "list_price": decimal_text(first.unit_price),
        "pricing_currency": first.pricing_currency or first.currency,
    }
    if show_cost or line.price_mode == "pass_through":
        found["effective_price"] = decimal_text(first.effective_unit_price)
    if first.pricing_currency and first.pricing_currency != first.currency:
        found |= {"ms_rate": decimal_text(first.exchange_rate), "billing_currency": first.currency}
    invoice = facts.invoice
    if invoice.fx_rate and invoice.fx_from_currency == first.currency != invoice.currency:
        found |= {"invoice_rate": decimal_text(invoice.fx_rate), "invoice_rate_from": first.currency}
    promotions = sorted({c.promotion_id for c in costs if c.promotion_id})
    if promotions:
        found["promotions"] = ", ".join(promotions)
    reasons = sorted({c.credit_reason_code for c in costs if c.credit_reason_code})
    if reasons:
        found["credit_reason"] = ", ".join(reasons)
    return found


def _usage_facts(line: InvoiceLine, facts: InvoiceFacts, show_cost: bool) -> dict[str, str]:
    found = {"entitlement": line.description.removeprefix("Azure · "), "entitlement_id": line.entitlement_id}
    if (show_cost or line.price_mode == "pass_through") and facts.usage.pec_by_entitlement.get(line.entitlement_id):
        found["pec"] = "yes"
    if facts.usage.credit_by_entitlement.get(line.entitlement_id):
        found["azure_credit"] = "yes"
    return found


def explain_line(line: InvoiceLine, facts: InvoiceFacts, show_cost: bool) -> LineExplanation:
    costs = facts.costs_of(line.cost_line_ids)
    found = _base_facts(line)
    if line.kind in ("license", "credit"):
        found |= _license_facts(line, costs, facts, show_cost)
    elif line.kind == "usage":
        found |= _usage_facts(line, facts, show_cost)
    elif line.kind == "usage_breakdown":
        found["meter_category"] = line.meter_category
    if show_cost:
        found |= {"price_mode": line.price_mode}
    return LineExplanation(
        line_id=line.id,
        position=line.position,
        kind=line.kind,
        description=line.description,
        amount_minor=line.amount_minor,
        tax_minor=line.tax_minor,
        cost_minor=line.cost_minor,
        informational=line.informational,
        facts=found,
        evidence=evidence_of([line]),
    )


def explain_lines(facts: InvoiceFacts, show_cost: bool) -> list[LineExplanation]:
    """Counted lines in invoice order; a usage line carries its meter-category breakdown as parts."""
    result: list[LineExplanation] = []
    by_usage_key: dict[str, LineExplanation] = {}
    for line in sorted(facts.invoice.lines, key=lambda x: (x.position, str(x.id))):
        item = explain_line(line, facts, show_cost)
        if line.kind == "usage_breakdown":
            parent_key = "|".join(line.usage_key.split("|")[:2])
            parent = by_usage_key.get(parent_key)
            if parent is not None:
                parent.parts.append(item)
                continue
        if line.kind == "usage":
            by_usage_key["|".join(line.usage_key.split("|")[:2])] = item
        result.append(item)
    return result
