"""Time travel: 90 simulated days under the default policy, the engine run every day, exact timelines.

Invoice issued 2026-01-01, due 2026-01-31, 1,000.00 EUR; the customer has one Microsoft 365 subscription.
Default policy: reminder -7, reminder +1, late fee 2 % (at least 5.00) +7, warning +12, suspend +14, terminate +45.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.policy import PolicySuspension
from cspdesk.policy import holds, repository
from cspdesk.policy.document import DEFAULT_POLICY_YAML
from cspdesk.policy.engine import on_payment, run_dunning
from tests.policy import factories as f

START = date(2026, 1, 1)
Event = Callable[[Session, Customer, Invoice], None]


def _fee(session: Session, owner: Customer) -> Invoice:
    stmt = select(Invoice).where(Invoice.customer_id == owner.id, Invoice.series == "LF")
    return session.execute(stmt).scalar_one()


def _pay_all(session: Session, owner: Customer, invoice: Invoice, day: date) -> None:
    f.pay(session, invoice, invoice.total_minor, day)
    fees = session.execute(select(Invoice).where(Invoice.customer_id == owner.id, Invoice.series == "LF")).scalars()
    for fee in fees:
        f.pay(session, fee, fee.total_minor, day)


def simulate(session: Session, events: dict[date, Event], days: int = 90) -> tuple[Customer, Invoice]:
    f.publish(session, START)
    owner = f.customer(session)
    f.subscription(session, owner, "microsoft_365")
    invoice = f.invoice(session, owner, START, 100_000, number="INV-SIM-1")
    for offset in range(days):
        day = START + timedelta(days=offset)
        with f.on(day):
            if day in events:
                events[day](session, owner, invoice)
                on_payment(session, owner.id)
            run_dunning(session, day)
    return owner, invoice


def _suspensions(session: Session, owner: Customer) -> list[tuple[str, str | None]]:
    rows = session.execute(select(PolicySuspension).where(PolicySuspension.customer_id == owner.id)).scalars()
    return [
        (s.suspended_at.date().isoformat(), s.reactivated_at.date().isoformat() if s.reactivated_at else None)
        for s in rows
    ]


def test_pays_on_time(session: Session) -> None:
    def pay(s: Session, o: Customer, i: Invoice) -> None:
        f.pay(s, i, 100_000, date(2026, 1, 28))

    owner, _ = simulate(session, {date(2026, 1, 28): pay})
    assert f.actions_of(session, owner) == [("2026-01-24", "INV-SIM-1", "-7:reminder", "reminder")]
    assert _suspensions(session, owner) == []


def test_pays_late_before_suspension(session: Session) -> None:
    def pay(s: Session, o: Customer, i: Invoice) -> None:
        _pay_all(s, o, i, date(2026, 2, 10))

    owner, _ = simulate(session, {date(2026, 2, 10): pay})
    assert f.actions_of(session, owner) == [
        ("2026-01-24", "INV-SIM-1", "-7:reminder", "reminder"),
        ("2026-02-01", "INV-SIM-1", "1:reminder", "reminder"),
        ("2026-02-07", "INV-SIM-1", "7:late_fee", "late_fee"),
    ]
    assert _fee(session, owner).total_minor == 2_000
    assert _suspensions(session, owner) == []


def test_suspended_then_pays(session: Session) -> None:
    def pay(s: Session, o: Customer, i: Invoice) -> None:
        _pay_all(s, o, i, date(2026, 2, 20))

    owner, invoice = simulate(session, {date(2026, 2, 20): pay})
    assert f.actions_of(session, owner) == [
        ("2026-01-24", "INV-SIM-1", "-7:reminder", "reminder"),
        ("2026-02-01", "INV-SIM-1", "1:reminder", "reminder"),
        ("2026-02-07", "INV-SIM-1", "7:late_fee", "late_fee"),
        ("2026-02-12", "INV-SIM-1", "12:suspension_warning", "suspension_warning"),
        ("2026-02-14", "INV-SIM-1", "14:suspend", "suspend"),
    ]
    assert _suspensions(session, owner) == [("2026-02-14", "2026-02-20")]
    emails = session.execute(
        select(OutboxMessage.idempotency_key).where(
            OutboxMessage.kind == "email.send", OutboxMessage.subject_id == str(invoice.id)
        )
    ).scalars()
    assert {key.split(":")[3] + ":" + key.split(":")[4] for key in emails} == {
        "-7:reminder",
        "1:reminder",
        "12:suspension_warning",
    }


def test_partial_payments_below_the_minimum_only_remind(session: Session) -> None:
    def pay_most(s: Session, o: Customer, i: Invoice) -> None:
        f.pay(s, i, 60_000, date(2026, 1, 30))

    def pay_rest_but_five(s: Session, o: Customer, i: Invoice) -> None:
        f.pay(s, i, 39_500, date(2026, 2, 5))

    owner, _ = simulate(session, {date(2026, 1, 30): pay_most, date(2026, 2, 5): pay_rest_but_five})
    assert f.actions_of(session, owner) == [
        ("2026-01-24", "INV-SIM-1", "-7:reminder", "reminder"),
        ("2026-02-01", "INV-SIM-1", "1:reminder", "reminder"),
    ]


def test_disputed_invoice_waits_until_the_dispute_is_resolved(session: Session) -> None:
    def dispute(s: Session, o: Customer, i: Invoice) -> None:
        holds.open_dispute(s, SYSTEM, i.id, "seat count")

    def resolve(s: Session, o: Customer, i: Invoice) -> None:
        for d in repository.disputes_of(s, o.id):
            holds.resolve_dispute(s, SYSTEM, d.id, "count was right")

    owner, _ = simulate(session, {date(2026, 2, 3): dispute, date(2026, 3, 1): resolve})
    assert f.actions_of(session, owner) == [
        ("2026-01-24", "INV-SIM-1", "-7:reminder", "reminder"),
        ("2026-02-01", "INV-SIM-1", "1:reminder", "reminder"),
        ("2026-03-01", "INV-SIM-1", "7:late_fee", "late_fee"),
        ("2026-03-01", "INV-SIM-1", "12:suspension_warning", "suspension_warning"),
        ("2026-03-01", "INV-SIM-1", "14:suspend", "suspend"),
        ("2026-03-17", "INV-SIM-1", "45:terminate", "terminate"),
        # The late fee billed on 1 March is due on 31 March: its own reminder comes a week before.
        ("2026-03-24", "LF-2026-000001", "-7:reminder", "reminder"),
    ]


def test_policy_change_mid_way_keeps_the_old_invoice_on_its_version(session: Session) -> None:
    stricter = DEFAULT_POLICY_YAML.replace("offset: 14, action: suspend", "offset: 13, action: suspend")

    def publish(s: Session, o: Customer, i: Invoice) -> None:
        f.publish(s, date(2026, 1, 15), stricter)
        f.invoice(s, o, date(2026, 1, 15), 50_000, number="INV-SIM-2")

    owner, _ = simulate(session, {date(2026, 1, 15): publish}, days=60)
    suspends = [(d, n, k) for d, n, k, a in f.actions_of(session, owner) if a == "suspend"]
    assert suspends == [("2026-02-14", "INV-SIM-1", "14:suspend"), ("2026-02-27", "INV-SIM-2", "13:suspend")]
