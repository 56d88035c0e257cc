"""Billing and dunning fill the ticket page's customer context through the support seam."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM, Principal
from cspdesk.kit import clock
from cspdesk.models.billing import Invoice
from cspdesk.support.context import customer_context
from tests.billing import factories


def _overdue_invoice(session: Session) -> Invoice:
    owner = factories.customer(session, name="Context Co")
    invoice = Invoice(
        kind="invoice",
        status="issued",
        series="INV",
        number="INV-2026-990001",
        customer_id=owner.id,
        period="2026-09",
        period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 30),
        currency="EUR",
        issue_date=date(2026, 10, 1),
        due_date=date(2026, 10, 31),
        payment_terms_days=30,
        subtotal_minor=10000,
        tax_minor=1900,
        total_minor=11900,
    )
    session.add(invoice)
    session.flush()
    return invoice


def test_ticket_context_shows_balance_overdue_and_dunning(session: Session) -> None:
    invoice = _overdue_invoice(session)
    with clock.frozen_at(datetime(2026, 11, 10, 9, tzinfo=UTC)):
        context = customer_context(session, SYSTEM, invoice.customer_id)
    sections = {s.title: {f.label: f.value for f in s.facts} for s in context.sections}
    assert sections["Billing"]["Balance"] == "€119.00"
    assert sections["Billing"]["Overdue INV-2026-990001"] == "€119.00, 10 days"
    assert "Stage" in sections["Payment policy"]


def test_sections_follow_permissions(session: Session) -> None:
    invoice = _overdue_invoice(session)
    sales = Principal(user_id=None, label="sales", kind="staff", roles=frozenset({"user_admin"}))
    context = customer_context(session, sales, invoice.customer_id)
    assert [s.title for s in context.sections] == []
