"""Demo billing data: rules, taxes, rates, three monthly runs issued, and payments (paid, partly paid, overdue)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.billing import invoices, payments
from cspdesk.billing.periods import add_months, period_of
from cspdesk.billing.runs import run_invoices
from cspdesk.config import get_settings
from cspdesk.kit import clock
from cspdesk.kit.storage import Storage
from cspdesk.models.billing import ExchangeRate, Invoice, PriceRule, RecurringCharge, TaxRule
from cspdesk.models.customer import Customer

TAXES = {"DE": ("19", "USt"), "AT": ("20", "USt"), "FR": ("20", "TVA"), "GB": ("20", "VAT"), "RU": ("20", "НДС")}


def _books(session: Session, first: date) -> None:
    if session.execute(select(PriceRule)).first() is None:
        session.add(PriceRule(mode="markup_cost", percent=Decimal(12), min_margin_percent=Decimal(8)))
    for country, (rate, name) in TAXES.items():
        session.add(TaxRule(country=country, rate_percent=Decimal(rate), name=name, valid_from=date(2020, 1, 1)))
    for to, rate in (("USD", "1.08"), ("GBP", "0.86"), ("CHF", "0.95"), ("RUB", "100.5")):
        session.add(ExchangeRate(from_currency="EUR", to_currency=to, rate=Decimal(rate), valid_from=first))
    for to, rate in (("EUR", "0.92"), ("GBP", "0.79"), ("CHF", "0.88"), ("RUB", "93.0")):
        session.add(ExchangeRate(from_currency="USD", to_currency=to, rate=Decimal(rate), valid_from=first))
    session.flush()


def load_billing_demo(session: Session, storage: Storage, today: date) -> None:
    """Three months before `today` invoiced and issued; older invoices paid, the middle partly, the last open."""
    settings = get_settings()
    first = add_months(today.replace(day=1), -3)
    _books(session, first)
    customers = list(session.execute(select(Customer).order_by(Customer.name)).unique().scalars())
    for c in customers[:3]:
        session.add(
            RecurringCharge(
                customer_id=c.id,
                description="Managed services",
                unit_price_minor=15000,
                currency=c.billing_currency,
                quantity=Decimal(1),
                next_period=period_of(first),
            )
        )
    session.flush()
    for month in range(3):
        start = add_months(first, month)
        run_invoices(session, SYSTEM, settings, period_of(start))
        issue_at = datetime.combine(add_months(start, 1) + timedelta(days=2), datetime.min.time(), UTC)
        with clock.frozen_at(issue_at):
            drafts = session.execute(
                select(Invoice).where(Invoice.period == period_of(start), Invoice.status == "draft")
            ).scalars()
            for draft in list(drafts):
                invoice = invoices.issue_invoice(session, SYSTEM, draft.id, storage, settings)
                _pay(session, invoice, month, issue_at.date())


def _pay(session: Session, invoice: Invoice, month: int, issued: date) -> None:
    """Month 0: paid in full; month 1: half paid; month 2: left open (overdue once its terms pass)."""
    if month == 2 or invoice.total_minor <= 0:
        return
    amount = invoice.total_minor if month == 0 else invoice.total_minor // 2
    payments.record_payment(
        session,
        SYSTEM,
        invoice.customer_id,
        amount,
        invoice.currency,
        issued + timedelta(days=10),
        reference=str(invoice.number),
        invoice_id=invoice.id,
    )
