"""One scenario per cause, invoiced by the billing engine, with hand-computed amounts (pass-through unless said)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.config import Settings
from cspdesk.explain.service import explain_invoice
from cspdesk.models.billing import RecurringCharge
from tests.explain.scenario import OCT, SEP, assert_adds_up, cause, causes, scenario

VISIO = {"microsoft_subscription_id": "sub-2", "sku_id": "SKU2", "product_name": "Visio Plan 2"}


def test_new_subscription(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    s.seats(OCT, 10)
    s.seats(OCT, 3, price="20.00", charge_type="new", **VISIO)
    e = s.explain()
    assert causes(e) == [("new_subscription", "Visio Plan 2", 6000)]
    assert_adds_up(e)


def test_cancelled_subscription_with_refund(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    s.seats(SEP, 3, price="20.00", **VISIO)
    s.seats(OCT, 10)
    s.seats((date(2026, 10, 1), date(2026, 10, 3)), 3, price="20.00", effective="-5.00", charge_type="cancelImmediate",
            subtotal_minor=-1500, total_minor=-1500, **VISIO)  # fmt: skip
    e = s.explain()
    # 60.00 no longer charged, and a 15.00 refund: -75.00
    assert causes(e) == [("cancelled_subscription", "Visio Plan 2", -7500)]
    assert cause(e, "cancelled_subscription").facts["refund_minor"] == "-1500"
    assert_adds_up(e)


def test_seats_added_mid_month_with_proration(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    s.seats(OCT, 12)
    # 2 seats from 16 Oct: 16 of 31 billable days, 10.00 x 16/31 = 5.16 each
    s.seats((date(2026, 10, 16), OCT[1]), 2, effective="5.16", charge_type="addQuantity")
    e = s.explain()
    assert causes(e) == [("seats", "Microsoft 365 E3", 2000 + 1032)]
    seats = cause(e, "seats")
    assert (seats.facts["quantity_before"], seats.facts["quantity_after"]) == ("10", "12")
    assert (seats.facts["billable_days"], seats.facts["cycle_days"]) == ("16", "31")
    assert_adds_up(e)


def test_renewal_at_a_new_price(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    s.seats(OCT, 10, price="12.00", charge_type="renew")
    e = s.explain()
    assert causes(e) == [("renewal_term", "Microsoft 365 E3", 2000)]
    assert_adds_up(e)


def test_billing_plan_change_to_annual(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    year = (date(2026, 10, 1), date(2027, 9, 30))
    s.seats(year, 10, price="110.00", charge_type="changeBillingPlan", billing_frequency="Annual")
    e = s.explain()
    assert causes(e) == [("billing_plan", "Microsoft 365 E3", 110000 - 10000)]
    assert cause(e, "billing_plan").facts == {"frequency_before": "monthly", "frequency_after": "annual"}
    assert_adds_up(e)


def test_list_price_change(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    s.seats(OCT, 10, price="11.00")
    e = s.explain()
    assert causes(e) == [("price_list", "Microsoft 365 E3", 1000)]
    assert_adds_up(e)


def test_promotion_ending(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10, effective="8.00", promotion_id="PROMO-20")
    s.seats(OCT, 10)
    e = s.explain()
    assert causes(e) == [("price_promotion", "Microsoft 365 E3", 2000)]
    assert cause(e, "price_promotion").facts["promotions_before"] == "PROMO-20"
    assert_adds_up(e)


def test_exchange_rate_change(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10, exchange_rate=Decimal("0.9"), pricing_currency="USD")
    s.seats(OCT, 10, exchange_rate=Decimal("0.95"), pricing_currency="USD")
    e = s.explain()
    assert causes(e) == [("price_exchange_rate", "Microsoft 365 E3", 9500 - 9000)]
    assert_adds_up(e)


def test_partner_price_rule_change(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    s.seats(OCT, 10)
    s.invoice("2026-09")
    s.markup("10")
    current = s.invoice("2026-10")
    e = explain_invoice(session, SYSTEM, current.id)
    assert causes(e) == [("price_rule", "Microsoft 365 E3", 1000)]
    rule = cause(e, "price_rule")
    assert (rule.cost_minor, rule.margin_minor) == (0, 1000)
    assert_adds_up(e)


def test_azure_usage_change_by_meter_category(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.usage(date(2026, 9, 3), "50.00")
    s.usage(date(2026, 10, 3), "80.00")
    s.usage(date(2026, 10, 4), "40.00", meter_category="Storage", meter_id="m2")
    e = s.explain()
    assert causes(e) == [("azure_usage", "Azure", 7000)]
    usage = cause(e, "azure_usage")
    categories = [(d.name, d.previous_minor, d.current_minor) for d in usage.details if d.level == "meter_category"]
    assert categories == [("Storage", 0, 4000), ("Virtual Machines", 5000, 8000)]
    assert usage.chart_svg.startswith("<svg")
    assert_adds_up(e)


def test_one_time_purchase(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    s.seats(OCT, 10)
    s.seats((date(2026, 10, 7), date(2026, 10, 7)), 1, price="250.00", charge_type="new", billing_frequency="",
            product_name="Windows Server 2022", microsoft_subscription_id="perp-1", sku_id="WS")  # fmt: skip
    e = s.explain()
    assert causes(e) == [("one_time", "", 25000)]
    assert_adds_up(e)


def test_credit(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    s.seats(OCT, 10)
    s.seats(OCT, 1, price="0", effective="-20.00", charge_type="customerCredit", subtotal_minor=-2000,
            total_minor=-2000, credit_reason_code="Azure Credit Offer")  # fmt: skip
    e = s.explain()
    assert causes(e) == [("credits_refunds", "", -2000)]
    assert_adds_up(e)


def test_support_plan_recurring_charge(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    s.seats(OCT, 10)
    session.add(RecurringCharge(customer_id=s.customer.id, description="Support plan Gold", unit_price_minor=5000,
                                currency="EUR", quantity=Decimal(1), next_period="2026-10"))  # fmt: skip
    session.flush()
    e = s.explain()
    assert causes(e) == [("recurring_charges", "Support plan Gold", 5000)]
    assert_adds_up(e)


def test_tax_and_mixed_scenario_add_up_to_the_cent(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.tax("19")
    s.seats(SEP, 10)
    s.seats(OCT, 12)
    s.seats((date(2026, 10, 16), OCT[1]), 2, effective="5.16", charge_type="addQuantity")
    s.seats(OCT, 3, price="20.00", charge_type="new", **VISIO)
    s.usage(date(2026, 9, 3), "50.00")
    s.usage(date(2026, 10, 3), "80.00")
    s.usage(date(2026, 10, 4), "40.00", meter_category="Storage", meter_id="m2")
    e = s.explain()
    # Sep 150.00 + 28.50 tax; Oct 310.32 + 58.96 tax (19 % per line, half up)
    assert causes(e) == [
        ("azure_usage", "Azure", 7000),
        ("new_subscription", "Visio Plan 2", 6000),
        ("tax", "VAT", 5896 - 2850),
        ("seats", "Microsoft 365 E3", 3032),
    ]
    assert_adds_up(e)


def test_totals_that_do_not_match_their_lines_show_an_unattributed_cause(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    s.seats(OCT, 11)
    s.invoice("2026-09")
    current = s.invoice("2026-10")
    current.total_minor += 3
    e = explain_invoice(session, SYSTEM, current.id)
    assert causes(e) == [("seats", "Microsoft 365 E3", 1000), ("unattributed", "", 3)]
    assert_adds_up(e)


def test_same_input_same_output(session: Session, settings: Settings) -> None:
    s = scenario(session, settings)
    s.seats(SEP, 10)
    s.seats(OCT, 12, price="11.00")
    s.usage(date(2026, 10, 3), "80.00")
    s.invoice("2026-09")
    current = s.invoice("2026-10")
    first = explain_invoice(session, SYSTEM, current.id)
    second = explain_invoice(session, SYSTEM, current.id)
    assert first.text == second.text
    assert causes(first) == causes(second)
    # 10 -> 12 seats at 10.00 = +20.00; 12 seats x +1.00 list price = +12.00; usage +80.00
    assert causes(first) == [
        ("azure_usage", "Azure", 8000),
        ("seats", "Microsoft 365 E3", 2000),
        ("price_list", "Microsoft 365 E3", 1200),
    ]
