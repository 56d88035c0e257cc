"""Property: for any pair of invoices, the causes add up exactly to the difference of the totals."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cspdesk.explain.difference import difference
from cspdesk.explain.facts import InvoiceFacts, UsageFacts
from cspdesk.explain.usage import usage_causes
from cspdesk.models.billing import Invoice, InvoiceLine
from cspdesk.models.microsoft import CostLine

KINDS = ["license", "license", "license", "usage", "recurring", "one_off", "late_fee", "credit", "usage_breakdown"]
CHARGES = ["cycleCharge", "new", "renew", "addQuantity", "removeQuantity", "cancelImmediate", "convert", "moveQuantity"]


@st.composite
def lines(draw: st.DrawFn) -> InvoiceLine:
    kind = draw(st.sampled_from(KINDS))
    quantity = Decimal(draw(st.integers(0, 50)))
    cost = CostLine(
        id=uuid.uuid4(), line_no=1, charge_type="", unit_price=Decimal(draw(st.integers(0, 40))),
        effective_unit_price=Decimal(draw(st.integers(-40, 40))) / 4, billable_quantity=quantity,
        exchange_rate=Decimal(draw(st.sampled_from(["1", "0.9", "1.07"]))), currency="EUR", pricing_currency="USD",
        charge_start_date=date(2026, 10, draw(st.integers(1, 28))), charge_end_date=date(2026, 10, 31),
        billing_frequency=draw(st.sampled_from(["Monthly", "Annual", ""])), term_and_billing_cycle="",
        promotion_id=draw(st.sampled_from(["", "P1"])), product_name="P", sku_name="S",
    )  # fmt: skip
    line = InvoiceLine(
        id=uuid.uuid4(), position=1, kind=kind, description=draw(st.sampled_from(["A · x", "B · y"])),
        charge_type=draw(st.sampled_from(CHARGES)), microsoft_subscription_id=draw(st.sampled_from(["s1", "s2"])),
        entitlement_id="e1", meter_category=draw(st.sampled_from(["VM", "Storage"])), quantity=quantity,
        unit_price=Decimal(1), amount_minor=draw(st.integers(-100_000, 100_000)),
        cost_minor=draw(st.integers(-100_000, 100_000)), tax_minor=draw(st.integers(-20_000, 20_000)),
        tax_rate=Decimal(19), informational=kind == "usage_breakdown",
        price_mode=draw(st.sampled_from(["pass_through", "markup_cost"])),
        price_rule_id=None, source_cost_line_ids=str(cost.id) if draw(st.booleans()) else "", usage_key="",
        recurring_charge_id=None, subscription_id=None,
    )  # fmt: skip
    line.__dict__["_cost"] = cost
    return line


def facts_of(items: list[InvoiceLine], noise: int) -> InvoiceFacts:
    counted = [x for x in items if not x.informational]
    subtotal = sum(x.amount_minor for x in counted)
    tax = sum(x.tax_minor for x in counted)
    invoice = Invoice(id=uuid.uuid4(), currency="EUR", subtotal_minor=subtotal, tax_minor=tax,
                      total_minor=subtotal + tax + noise, lines=items, fx_rate=None, tax_name="VAT")  # fmt: skip
    costs = {x.__dict__["_cost"].id: x.__dict__["_cost"] for x in items}
    return InvoiceFacts(invoice, costs, UsageFacts())


@settings(max_examples=300, deadline=None)
@given(st.lists(lines(), max_size=12), st.lists(lines(), max_size=12), st.integers(-3, 3), st.integers(-3, 3))
def test_causes_add_up_to_the_difference(
    before: list[InvoiceLine], after: list[InvoiceLine], noise_before: int, noise_after: int
) -> None:
    prev, cur = facts_of(before, noise_before), facts_of(after, noise_after)
    causes = difference(prev, cur, usage_causes)
    assert sum(c.amount_minor for c in causes) == cur.invoice.total_minor - prev.invoice.total_minor
    assert [c.order for c in causes] == sorted(c.order for c in causes)
    assert causes == difference(prev, cur, usage_causes)
