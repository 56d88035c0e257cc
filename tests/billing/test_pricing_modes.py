"""Hand-computed invoices for each price-rule mode, proration, credits, taxes, currencies and usage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.models.billing import ExchangeRate, PriceRule, TaxExemption, TaxRule
from cspdesk.models.customer import CustomerGroup
from tests.billing import factories as f
from tests.billing.helpers import draft_of, run


def test_pass_through_without_rules_bills_microsoft_cost(session: Session, settings: Settings) -> None:
    c = f.customer(session)
    line = f.cost_line(session, c, f.batch(session))
    run(session, settings)
    invoice = draft_of(session, c.id)
    assert [(x.kind, x.amount_minor, x.cost_minor, x.price_mode) for x in invoice.lines] == [
        ("license", 32400, 32400, "pass_through")
    ]
    assert invoice.lines[0].cost_line_ids == [line.id]
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (32400, 0, 32400)
    assert invoice.status == "draft" and invoice.number is None


def test_markup_over_cost_customer_sku_rule_wins(session: Session, settings: Settings) -> None:
    group = CustomerGroup(name="Resellers-markup")
    session.add(group)
    c = f.customer(session, group_id=None)
    c.group = group
    f.cost_line(session, c, f.batch(session))
    session.add_all(
        [
            PriceRule(mode="markup_cost", percent=Decimal(5)),
            PriceRule(group_id=group.id, product_family="microsoft_365", mode="markup_cost", percent=Decimal(8)),
            PriceRule(customer_id=c.id, product_family="microsoft_365", mode="markup_cost", percent=Decimal(10)),
            PriceRule(customer_id=c.id, sku_id="SKU1", mode="markup_cost", percent=Decimal("12.5")),
        ]
    )
    session.flush()
    run(session, settings)
    line = draft_of(session, c.id).lines[0]
    # 324.00 * 1.125 = 364.50
    assert (line.amount_minor, line.cost_minor, line.unit_price) == (36450, 32400, Decimal("36.450000"))


def test_markup_over_list_and_group_family_rule(session: Session, settings: Settings) -> None:
    group = CustomerGroup(name="Resellers-list")
    session.add(group)
    session.flush()
    c = f.customer(session, group_id=group.id)
    f.cost_line(session, c, f.batch(session))
    session.add(PriceRule(group_id=group.id, product_family="microsoft_365", mode="markup_list", percent=Decimal(3)))
    session.flush()
    run(session, settings)
    # list 36.00 * 10 = 360.00, +3 % = 370.80
    assert draft_of(session, c.id).lines[0].amount_minor == 37080


def test_fixed_price_prorated_by_billable_days(session: Session, settings: Settings) -> None:
    c = f.customer(session)
    b = f.batch(session)
    # Seats added on 5 March for a cycle that started 21 February: 16 of 28 days.
    f.cost_line(
        session,
        c,
        b,
        charge_type="addQuantity",
        charge_start_date=date(2026, 10, 5),
        charge_end_date=date(2026, 10, 20),
        billable_quantity=Decimal(2),
        quantity=Decimal(2),
        effective_unit_price=Decimal("16.91"),
        subtotal_minor=3382,
    )
    f.cost_line(session, c, b)
    session.add(
        PriceRule(
            customer_id=c.id,
            sku_id="SKU1",
            mode="fixed_unit_price",
            fixed_price_minor=4000,
            fixed_currency="EUR",
            min_margin_percent=Decimal(20),
        )
    )
    session.flush()
    run(session, settings)
    lines = {x.charge_type: x for x in draft_of(session, c.id).lines}
    # Cycle 21 Sep..20 Oct counts 30 days (September); 16 billable days: 40.00 * 2 * 16 / 30 = 42.666.. -> 42.67
    assert lines["addQuantity"].amount_minor == 4267
    assert lines["cycleCharge"].amount_minor == 40000
    assert lines["cycleCharge"].below_min_margin is True  # (400.00 - 324.00) / 400.00 = 19 % < 20 %
    assert lines["addQuantity"].below_min_margin is False


def test_min_margin_flag_and_refund_keeps_sign(session: Session, settings: Settings) -> None:
    c = f.customer(session)
    b = f.batch(session)
    f.cost_line(session, c, b)
    f.cost_line(
        session,
        c,
        b,
        charge_type="cancelImmediate",
        subtotal_minor=-10800,
        effective_unit_price=Decimal("-10.80"),
        charge_start_date=date(2026, 10, 21),
    )
    session.add(
        PriceRule(
            customer_id=c.id, sku_id="SKU1", mode="markup_cost", percent=Decimal(2), min_margin_percent=Decimal(5)
        )
    )
    session.flush()
    run(session, settings)
    lines = {x.charge_type: x for x in draft_of(session, c.id).lines}
    assert lines["cycleCharge"].amount_minor == 33048 and lines["cycleCharge"].below_min_margin is True
    assert lines["cancelImmediate"].amount_minor == -11016 and lines["cancelImmediate"].below_min_margin is False


def test_credit_passes_through_and_tax_per_line(session: Session, settings: Settings) -> None:
    c = f.customer(session)
    b = f.batch(session)
    f.cost_line(session, c, b, subtotal_minor=1005)
    f.cost_line(session, c, b, charge_type="customerCredit", subtotal_minor=-333, sku_id="SKU2")
    session.add(TaxRule(country="DE", rate_percent=Decimal(19), name="USt", valid_from=date(2020, 1, 1)))
    session.add(PriceRule(mode="markup_cost", percent=Decimal(10)))
    session.flush()
    run(session, settings)
    invoice = draft_of(session, c.id)
    by_kind = {x.kind: x for x in invoice.lines}
    # 10.05 * 1.1 = 11.055 -> 11.06; tax 19 % of 11.06 = 2.1014 -> 2.10; credit -3.33, tax -0.6327 -> -0.63
    assert (by_kind["license"].amount_minor, by_kind["license"].tax_minor) == (1106, 210)
    assert (by_kind["credit"].amount_minor, by_kind["credit"].tax_minor) == (-333, -63)
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (773, 147, 920)
    assert invoice.tax_name == "USt"


def test_reverse_charge_prints_note_and_no_tax(session: Session, settings: Settings) -> None:
    c = f.customer(session)
    f.cost_line(session, c, f.batch(session))
    session.add(TaxRule(country="DE", rate_percent=Decimal(19), name="USt", valid_from=date(2020, 1, 1)))
    session.add(TaxExemption(customer_id=c.id, kind="reverse_charge", legal_note="Reverse charge, Art. 196"))
    session.flush()
    run(session, settings)
    invoice = draft_of(session, c.id)
    assert (invoice.tax_minor, invoice.tax_note) == (0, "Reverse charge, Art. 196")


def test_currency_conversion_records_the_rate(session: Session, settings: Settings) -> None:
    c = f.customer(session, currency="CHF", country="CH")
    f.cost_line(session, c, f.batch(session))
    session.add(
        ExchangeRate(from_currency="EUR", to_currency="CHF", rate=Decimal("0.9412"), valid_from=date(2026, 10, 1))
    )
    session.add(
        ExchangeRate(from_currency="EUR", to_currency="CHF", rate=Decimal("0.95"), valid_from=date(2026, 11, 1))
    )
    session.flush()
    run(session, settings)
    invoice = draft_of(session, c.id)
    # 324.00 EUR * 0.9412 = 304.9488 -> CHF 304.95
    assert invoice.lines[0].amount_minor == 30495
    assert (invoice.fx_from_currency, invoice.fx_rate, invoice.fx_rate_date) == (
        "EUR",
        Decimal("0.9412"),
        date(2026, 10, 1),
    )


def test_missing_rate_fails_that_customer_only(session: Session, settings: Settings) -> None:
    c = f.customer(session, currency="JPY", country="JP")
    f.cost_line(session, c, f.batch(session))
    result = run(session, settings)
    assert result.failed == 1
    assert result.errors[0]["error"] == "no exchange rate EUR->JPY valid on 2026-10-31"


def test_azure_usage_per_entitlement_with_breakdown_and_pec(session: Session, settings: Settings) -> None:
    c = f.customer(session)
    b = f.batch(session)
    f.usage(session, c, b, pec_percentage=Decimal(15))
    f.usage(
        session, c, b, meter_category="Storage", billing_pre_tax_total=Decimal("1.234"), usage_date=date(2026, 10, 6)
    )
    f.usage(
        session, c, b, meter_category="Storage", billing_pre_tax_total=Decimal("1.234"), usage_date=date(2026, 10, 7)
    )
    session.add(PriceRule(customer_id=c.id, product_family="azure_plan", mode="markup_cost", percent=Decimal(10)))
    session.flush()
    run(session, settings)
    lines = draft_of(session, c.id).lines
    summary = [(x.kind, x.description, x.amount_minor, x.cost_minor, x.informational) for x in lines]
    # VM: 85.00 / 0.85 = 100.00, +10 % = 110.00; Storage: 2.468 * 1.1 = 2.7148 -> 2.71
    assert summary == [
        ("usage", "Azure · Production", 11271, 8747, False),
        ("usage_breakdown", "Storage", 271, 247, True),
        ("usage_breakdown", "Virtual Machines", 11000, 8500, True),
    ]
    assert draft_of(session, c.id).subtotal_minor == 11271


def test_pec_pass_on_bills_after_pec(session: Session, settings: Settings) -> None:
    c = f.customer(session)
    f.usage(session, c, f.batch(session), pec_percentage=Decimal(15))
    run(session, settings.model_copy(update={"billing_pec_policy": "pass_on"}))
    assert draft_of(session, c.id).subtotal_minor == 8500
