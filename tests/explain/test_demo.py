"""The explain demo: one customer's bill jumped (seats added mid-month, Azure usage spike), one's fell (a
cancellation refund and a credit), imported and invoiced by the real importer and billing engine."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.config import Settings
from cspdesk.explain.demo import FELL, JUMPED, Story, load_explain_demo
from cspdesk.explain.model import Explanation
from cspdesk.explain.service import explain_invoice
from cspdesk.kit.storage import storage_for
from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from tests.explain.scenario import assert_adds_up, causes


def _latest(session: Session, settings: Settings, story: Story) -> Explanation:
    stmt = select(Invoice).join(Customer).where(Customer.name == story.name).order_by(Invoice.period.desc())
    invoice = session.execute(stmt).scalars().first()
    assert invoice is not None and invoice.status == "issued"
    return explain_invoice(session, SYSTEM, invoice.id, storage=storage_for(settings))


def test_one_bill_jumped_and_one_fell(session: Session, settings: Settings) -> None:
    load_explain_demo(session, storage_for(settings), date(2026, 11, 24))
    jumped = _latest(session, settings, JUMPED)
    # 5 seats x ROUNDDOWN(33.75 x 16/31) = 5 x 17.41 = 87.05; VM hours x4 from 12 Oct
    assert causes(jumped) == [("azure_usage", "Azure", 29906), ("seats", "Microsoft 365 E3", 8705)]
    assert jumped.comparison is not None and jumped.comparison.difference_minor == 38611
    assert_adds_up(jumped)
    fell = _latest(session, settings, FELL)
    # Visio cancelled on 3 Oct: -5 x ROUNDDOWN(15.00 x 29/31) = -70.15; a 50.00 service credit
    assert causes(fell) == [("cancelled_subscription", "Visio Plan 2", -7015), ("credits_refunds", "", -5000)]
    assert_adds_up(fell)
