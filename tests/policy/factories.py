"""Small builders for dunning tests: customers, issued invoices, payments, subscriptions, published policies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.kit import clock
from cspdesk.models.billing import Invoice, InvoiceLine
from cspdesk.models.billing_payments import Payment, PaymentAllocation
from cspdesk.models.customer import BillingContact, Customer
from cspdesk.models.policy import DunningAction, PolicyVersion
from cspdesk.models.subscription import Subscription
from cspdesk.policy import service
from cspdesk.policy.document import DEFAULT_POLICY_YAML

_numbers = iter(range(1, 10**6))


def at(day: date, hour: int = 7) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


@contextmanager
def on(day: date) -> Iterator[None]:
    with clock.frozen_at(at(day)):
        yield


def publish(session: Session, day: date, yaml_text: str = DEFAULT_POLICY_YAML) -> PolicyVersion:
    with clock.frozen_at(at(day, 6)):
        return service.publish(session, SYSTEM, yaml_text)


def customer(session: Session, name: str = "Dunning Test GmbH", *, language: str = "en") -> Customer:
    made = Customer(
        name=f"{name} {uuid.uuid4().hex[:6]}",
        tenant_id=uuid.uuid4(),
        primary_domain="dunning.test",
        country="DE",
        billing_currency="EUR",
        language=language,
        contacts=[BillingContact(name="AP", email="ap@dunning.test")],
    )
    session.add(made)
    session.flush()
    return made


def subscription(session: Session, owner: Customer, family: str = "microsoft_365", **fields: object) -> Subscription:
    values: dict[str, object] = {
        "microsoft_id": str(uuid.uuid4()),
        "customer_id": owner.id,
        "product_name": f"{family} plan",
        "product_family": family,
        "term": "P1Y",
        "start_date": date(2025, 6, 1),
        **fields,
    }
    made = Subscription(**values)
    session.add(made)
    session.flush()
    return made


def invoice(
    session: Session, owner: Customer, issue_date: date, total_minor: int, *, terms: int = 30, number: str = ""
) -> Invoice:
    """An issued invoice governed by the version in force now (as billing stores it at issue)."""
    made = Invoice(
        kind="invoice",
        status="issued",
        series="INV",
        number=number or f"INV-T-{next(_numbers):06d}",
        customer_id=owner.id,
        period=issue_date.strftime("%Y-%m"),
        period_start=issue_date,
        period_end=issue_date,
        currency="EUR",
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=terms),
        payment_terms_days=terms,
        policy_version_id=service.current_policy_version_id(session),
        subtotal_minor=total_minor,
        total_minor=total_minor,
        issued_at=at(issue_date, 5),
        lines=[
            InvoiceLine(
                position=1,
                kind="license",
                description="Microsoft 365 E3",
                quantity=Decimal(1),
                unit_price=Decimal(total_minor) / 100,
                amount_minor=total_minor,
                tax_rate=Decimal(0),
            )
        ],
    )
    session.add(made)
    session.flush()
    return made


def pay(session: Session, target: Invoice, amount_minor: int, day: date) -> Payment:
    payment = Payment(
        customer_id=target.customer_id,
        amount_minor=amount_minor,
        currency=target.currency,
        received_date=day,
        recorded_at=at(day, 9),
        recorded_by="test",
        allocations=[PaymentAllocation(invoice_id=target.id, amount_minor=amount_minor, allocated_at=at(day, 9))],
    )
    session.add(payment)
    session.flush()
    return payment


def actions_of(session: Session, owner: Customer) -> list[tuple[str, str, str, str]]:
    """(date, invoice number, step key, action) of everything done for the customer, in order."""
    stmt = (
        select(DunningAction.action_date, Invoice.number, DunningAction.step_key, DunningAction.action)
        .join(Invoice, Invoice.id == DunningAction.invoice_id)
        .where(DunningAction.customer_id == owner.id, DunningAction.action != "skipped")
    )
    rows = [(d.isoformat(), n or "", k, a) for d, n, k, a in session.execute(stmt).all()]
    return sorted(rows, key=lambda row: (row[0], row[1], int(row[2].split(":")[0])))
