"""Allocation never makes a balance wrong, whatever payments arrive in whatever order; re-runs change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.billing import allocation, payments, receivables
from cspdesk.config import Settings
from cspdesk.models.billing import Invoice
from cspdesk.models.billing_payments import Payment
from tests.billing import factories as f
from tests.billing.helpers import run
from tests.billing.test_payments_in import _issued


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    totals=st.lists(st.integers(min_value=1, max_value=50000), min_size=1, max_size=4),
    paid=st.lists(st.integers(min_value=1, max_value=60000), min_size=1, max_size=5),
)
def test_allocation_keeps_balance_right(session: Session, totals: list[int], paid: list[int]) -> None:
    nested = session.begin_nested()
    c = f.customer(session)
    invs = [_issued(session, c, f"INV-2026-{c.id.hex[:4]}{i:02d}", t) for i, t in enumerate(totals)]
    for amount in paid:
        payments.record_payment(session, SYSTEM, c.id, amount, "EUR", date(2026, 11, 20))
    opens = [allocation.open_amount(session, i) for i in invs]
    pays = list(session.execute(select(Payment).where(Payment.customer_id == c.id)).scalars())
    assert all(0 <= o <= t for o, t in zip(opens, totals, strict=True))
    assert all(0 <= p.allocated_minor <= p.amount_minor for p in pays)
    balance = receivables.balance(session, c)
    assert balance.balance_minor == sum(opens) - allocation.available_credit(session, c.id)
    assert balance.balance_minor == sum(totals) - sum(paid)
    assert min(sum(opens), allocation.available_credit(session, c.id)) == 0
    nested.rollback()


def test_rerun_changes_nothing(session: Session, settings: Settings) -> None:
    for i in range(3):
        c = f.customer(session, name=f"Rerun {i}")
        f.cost_line(session, c, f.batch(session), billable_quantity=Decimal(i + 1))
    run(session, settings)
    snapshot = sorted((i.run_key or "", i.total_minor) for i in session.execute(select(Invoice)).scalars())
    again = run(session, settings)
    assert again.created == 0
    assert sorted((i.run_key or "", i.total_minor) for i in session.execute(select(Invoice)).scalars()) == snapshot
