"""A customer's support plan monthly price lands on its invoice-run draft."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from cspdesk.config import Settings
from cspdesk.models.billing import RecurringCharge
from cspdesk.models.support_plans import CustomerSupportPlan, SupportPlan
from tests.billing import factories as f
from tests.billing.helpers import draft_of, run


def _plan_for(session: Session, customer_id: object, name: str, price: int, currency: str = "EUR") -> SupportPlan:
    plan = SupportPlan(name=name, calendar={}, targets={}, monthly_price_minor=price, currency=currency)
    session.add(plan)
    session.flush()
    session.add(CustomerSupportPlan(customer_id=customer_id, plan_id=plan.id))
    session.flush()
    return plan


def test_support_plan_price_is_a_recurring_line(session: Session, settings: Settings) -> None:
    c = f.customer(session, name="Supported AG", country="AT")
    _plan_for(session, c.id, "Premium-billing-test", 49900)
    run(session, settings)
    invoice = draft_of(session, c.id)
    assert [(x.kind, x.description, x.amount_minor) for x in invoice.lines] == [
        ("recurring", "Support plan Premium-billing-test (2026-10)", 49900)
    ]
    assert invoice.total_minor == 49900


def test_existing_recurring_charge_for_the_plan_is_not_doubled(session: Session, settings: Settings) -> None:
    c = f.customer(session, name="Doubled AG", country="AT")
    _plan_for(session, c.id, "Gold-billing-test", 10000)
    session.add(
        RecurringCharge(
            customer_id=c.id,
            description="Gold-billing-test support",
            unit_price_minor=8000,
            currency="EUR",
            quantity=Decimal(1),
            next_period="2026-01",
            active=True,
        )
    )
    session.flush()
    run(session, settings)
    invoice = draft_of(session, c.id)
    assert [(x.description, x.amount_minor) for x in invoice.lines] == [("Gold-billing-test support (2026-10)", 8000)]


def test_plan_in_another_currency_is_skipped_with_a_message(session: Session, settings: Settings) -> None:
    c = f.customer(session, name="Dollar Plan Ltd", country="AT")
    f.cost_line(session, c, f.batch(session))
    _plan_for(session, c.id, "Silver-billing-test", 10000, currency="USD")
    result = run(session, settings)
    assert {
        "customer": "Dollar Plan Ltd",
        "error": "support plan 'Silver-billing-test' is priced in USD, the customer is billed in EUR: "
        "the plan was not billed",
    } in result.errors
    assert [x.amount_minor for x in draft_of(session, c.id).lines] == [32400]
