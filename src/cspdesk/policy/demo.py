"""Demo data: the default policy published, and demo customers at every dunning stage.

Each staged customer gets one overdue invoice; the engine is then run for every day up to today, so what the
console and the portal show is what the engine really did (notices in the outbox, fees, suspensions).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.kit.money import from_minor
from cspdesk.models.billing import Invoice, InvoiceLine
from cspdesk.models.billing_payments import Payment, PaymentAllocation
from cspdesk.models.customer import Customer
from cspdesk.policy import service
from cspdesk.policy.document import DEFAULT_POLICY_YAML
from cspdesk.policy.engine import run_dunning

AMOUNT_MINOR = 120_000
# Stage -> days from the due date to today (positive: overdue); "settled" pays 5 days ago, after its suspension.
STAGES = (
    ("current", -20),
    ("reminded", 3),
    ("late_fee", 9),
    ("warned", 13),
    ("suspended", 20),
    ("settled", 25),
    ("terminated", 50),
)
SETTLED_PAID_DAYS_AGO = 5


def _invoice(session: Session, customer: Customer, number: str, due: date, version_id: object) -> Invoice:
    issue = due - timedelta(days=30)
    invoice = Invoice(
        kind="invoice", status="issued", series="INV", number=number, customer_id=customer.id,
        period=issue.strftime("%Y-%m"), period_start=issue, period_end=issue, currency=customer.billing_currency,
        language=customer.language, issue_date=issue, due_date=due, payment_terms_days=30,
        policy_version_id=version_id, subtotal_minor=AMOUNT_MINOR, total_minor=AMOUNT_MINOR,
        issued_at=datetime.combine(issue, time(8), tzinfo=UTC), issued_by="demo",
        lines=[
            InvoiceLine(
                position=1, kind="license", description="Microsoft 365 Business Premium", quantity=Decimal(10),
                unit_price=from_minor(AMOUNT_MINOR // 10, customer.billing_currency), amount_minor=AMOUNT_MINOR,
                tax_rate=Decimal(0),
            )
        ],
    )  # fmt: skip
    session.add(invoice)
    return invoice


def _pay_one(session: Session, invoice: Invoice, day: date) -> None:
    at = datetime.combine(day, time(10), tzinfo=UTC)
    session.add(
        Payment(
            customer_id=invoice.customer_id, amount_minor=invoice.total_minor, currency=invoice.currency,
            received_date=day, reference=invoice.number or "", recorded_at=at, recorded_by="demo",
            allocations=[PaymentAllocation(invoice_id=invoice.id, amount_minor=invoice.total_minor, allocated_at=at)],
        )
    )  # fmt: skip


def _pay_with_fees(session: Session, invoice: Invoice, day: date) -> None:
    """The customer pays the invoice and every late fee billed on it."""
    fees = select(Invoice).where(Invoice.customer_id == invoice.customer_id, Invoice.series == "LF")
    for paid in [invoice, *session.execute(fees).scalars()]:
        _pay_one(session, paid, day)
    session.flush()


def load_policy_demo(session: Session, today: date) -> None:
    """Publish the default policy (if none is) and walk demo customers through every stage up to today."""
    version = service.current_version(session) or service.publish(session, SYSTEM, DEFAULT_POLICY_YAML, note="demo")
    customers = list(session.execute(select(Customer).order_by(Customer.name).limit(len(STAGES))).unique().scalars())
    staged: dict[str, Invoice] = {}
    for (stage, overdue_days), customer in zip(STAGES, customers, strict=False):
        number = f"INV-DEMO-{stage.upper().replace('_', '')}"
        staged[stage] = _invoice(session, customer, number, today - timedelta(days=overdue_days), version.id)
    session.flush()
    ids = [invoice.customer_id for invoice in staged.values()]
    first = min((invoice.due_date for invoice in staged.values() if invoice.due_date), default=today)
    day = first - timedelta(days=7)
    while day <= today:
        if "settled" in staged and day == today - timedelta(days=SETTLED_PAID_DAYS_AGO):
            _pay_with_fees(session, staged["settled"], day)
        run_dunning(session, day, customer_ids=ids)
        day += timedelta(days=1)
    run_dunning(session, today)
