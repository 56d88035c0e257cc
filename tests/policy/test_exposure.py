"""The exposure report: suspended new-commerce subscriptions, what Microsoft keeps billing, term end, window."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from cspdesk.policy import suspensions
from cspdesk.policy.exposure import ExposureRow, exposure_report
from tests.billing import factories as billing
from tests.policy import factories as f

TODAY = date(2026, 11, 5)


def test_the_exposure_report_lists_suspended_nce_subscriptions_with_hand_computed_values(session: Session) -> None:
    owner = f.customer(session, "Exposure Test")
    teams = f.subscription(
        session, owner, product_name="A Teams", microsoft_id="ms-a", start_date=date(2026, 11, 1), status="suspended"
    )
    m365 = f.subscription(session, owner, product_name="B M365", microsoft_id="ms-b", start_date=date(2025, 6, 1))
    monthly = f.subscription(
        session,
        owner,
        product_name="C Monthly",
        microsoft_id="ms-c",
        term="P1M",
        start_date=date(2026, 1, 31),
        status="suspended",
    )
    f.subscription(session, owner, product_name="D Legacy", microsoft_id="ms-d", term=None, status="suspended")
    f.subscription(session, owner, product_name="E Active", microsoft_id="ms-e")
    lifted = f.subscription(session, owner, product_name="F Lifted", microsoft_id="ms-f")
    with f.on(date(2026, 10, 20)):
        suspensions.suspend(session, m365, source="policy", reason="overdue", actor=None)
        done = suspensions.suspend(session, lifted, source="policy", reason="overdue", actor=None)
        suspensions.reactivate(session, done, reason="paid", actor=None)
    batch = billing.batch(session)
    # October: a cycle charge and a credit in the same month; September is older and ignored.
    for start, total in ((date(2026, 10, 1), 32_400), (date(2026, 10, 15), -1_000), (date(2026, 9, 1), 99_999)):
        billing.cost_line(session, owner, batch, subscription_id=teams.id, charge_start_date=start, total_minor=total)
    billing.cost_line(session, owner, batch, subscription_id=monthly.id, charge_start_date=date(2026, 10, 31))

    rows = [row for row in exposure_report(session, TODAY) if row.customer_id == owner.id]

    assert rows == [
        # Bought on 1 Nov 2026: cancellable until 8 Nov, the yearly term ends 31 Oct 2027.
        ExposureRow(
            customer_id=owner.id,
            customer_name=owner.name,
            subscription_id=teams.id,
            microsoft_id="ms-a",
            product_name="A Teams",
            source="partner_center",
            suspended_on=None,
            monthly_cost_minor=31_400,
            currency="EUR",
            term_end=date(2027, 10, 31),
            cancellable_until=date(2026, 11, 8),
        ),
        # Renewed on 1 Jun 2026: the window closed on 8 Jun; the term ends 31 May 2027. No cost lines yet.
        ExposureRow(
            customer_id=owner.id,
            customer_name=owner.name,
            subscription_id=m365.id,
            microsoft_id="ms-b",
            product_name="B M365",
            source="policy",
            suspended_on=date(2026, 10, 20),
            monthly_cost_minor=None,
            currency=None,
            term_end=date(2027, 5, 31),
            cancellable_until=None,
        ),
        # Monthly from 31 Jan: the running term started 31 Oct, cancellable until 7 Nov, ends 29 Nov.
        ExposureRow(
            customer_id=owner.id,
            customer_name=owner.name,
            subscription_id=monthly.id,
            microsoft_id="ms-c",
            product_name="C Monthly",
            source="partner_center",
            suspended_on=None,
            monthly_cost_minor=32_400,
            currency="EUR",
            term_end=date(2026, 11, 29),
            cancellable_until=date(2026, 11, 7),
        ),
    ]
