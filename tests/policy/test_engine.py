"""The dunning engine's rules: idempotent runs, crash and re-run, payment wins, versions, holds."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.db import Database
from cspdesk.jobs.outbox import PRIORITY_REACTIVATE, PRIORITY_SUSPEND
from cspdesk.models.billing import Invoice, OneOffCharge
from cspdesk.models.outbox import OutboxMessage
from cspdesk.models.policy import DunningAction, PolicySuspension
from cspdesk.policy import holds, suspensions
from cspdesk.policy.document import DEFAULT_POLICY_YAML
from cspdesk.policy.engine import candidate_customers, on_payment, run_daily, run_dunning
from tests.policy import factories as f

ISSUE = date(2026, 1, 1)
DUE = ISSUE + timedelta(days=30)  # 2026-01-31


def _state(session: Session) -> tuple[int, int, int, int]:
    counts = [
        session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (DunningAction, OutboxMessage, Invoice, PolicySuspension)
    ]
    return counts[0], counts[1], counts[2], counts[3]


def _notices(session: Session, invoice: Invoice) -> list[str]:
    stmt = select(OutboxMessage.idempotency_key).where(
        OutboxMessage.kind == "email.send", OutboxMessage.subject_id == str(invoice.id)
    )
    return sorted(session.execute(stmt).scalars())


def _fee_invoice(session: Session, customer_id: object) -> Invoice:
    stmt = select(Invoice).where(Invoice.customer_id == customer_id, Invoice.series == "LF")
    return session.execute(stmt).scalar_one()


def test_two_runs_on_the_same_day_change_nothing_the_second_time(session: Session) -> None:
    f.publish(session, ISSUE)
    owner = f.customer(session)
    f.subscription(session, owner)
    inv = f.invoice(session, owner, ISSUE, 100_000)
    day = DUE + timedelta(days=14)
    with f.on(day):
        first = run_dunning(session, day)
        after_first = _state(session)
        second = run_dunning(session, day)
    assert sorted(a.step_key for a in first.actions if a.customer_id == owner.id) == [
        "12:suspension_warning",
        "14:suspend",
        "7:late_fee",
    ]
    assert second.actions == []
    assert _state(session) == after_first
    # The stale reminders are skipped on catch-up, not sent.
    assert f.actions_of(session, owner) == [
        ("2026-02-14", inv.number, "7:late_fee", "late_fee"),
        ("2026-02-14", inv.number, "12:suspension_warning", "suspension_warning"),
        ("2026-02-14", inv.number, "14:suspend", "suspend"),
    ]


def test_a_crash_mid_run_then_a_rerun_ends_like_an_uninterrupted_run(session: Session, db: Database) -> None:
    f.publish(session, ISSUE)
    owners = [f.customer(session, f"Crash {i}") for i in range(4)]
    invoices = [f.invoice(session, owner, ISSUE, 50_000) for owner in owners]
    day = DUE + timedelta(days=1)
    with f.on(day):
        expected = run_dunning(session, day, customer_ids=[o.id for o in owners], dry_run=True)
    assert _state(session)[0] == 0
    done: list[object] = []

    def crash_after_two(customer_id: object) -> None:
        done.append(customer_id)
        if len(done) == 2:
            raise RuntimeError("simulated kill -9")

    with f.on(day), pytest.raises(RuntimeError):
        run_daily(db, day, chunk_size=1, after_customer=crash_after_two)
    with f.on(day):
        run_daily(db, day, chunk_size=1)
        run_daily(db, day, chunk_size=1)
    session.expire_all()
    for owner, inv in zip(owners, invoices, strict=True):
        assert f.actions_of(session, owner) == [("2026-02-01", inv.number, "1:reminder", "reminder")]
        assert _notices(session, inv) == [f"dunning:{owner.id}:{inv.id}:1:reminder:{inv.policy_version_id}"]
    assert sorted((a.customer_id, a.step_key) for a in expected.actions) == sorted((o.id, "1:reminder") for o in owners)


def test_a_payment_wins_reactivation_goes_first_and_manual_suspensions_stay(session: Session) -> None:
    f.publish(session, ISSUE)
    owner = f.customer(session)
    m365 = f.subscription(session, owner, "microsoft_365")
    azure = f.subscription(session, owner, "azure_plan")
    by_hand = f.subscription(session, owner, "software")
    f.subscription(session, owner, "marketplace")
    inv = f.invoice(session, owner, ISSUE, 100_000)
    suspended_day = DUE + timedelta(days=14)
    with f.on(suspended_day):
        run_dunning(session, suspended_day, customer_ids=[owner.id])
        manual = suspensions.suspend_by_hand(session, SYSTEM, by_hand.id, "fraud check")
    policy_made = (
        session.execute(
            select(PolicySuspension).where(
                PolicySuspension.source == "policy", PolicySuspension.customer_id == owner.id
            )
        )
        .scalars()
        .all()
    )
    assert sorted(s.subscription_id for s in policy_made) == sorted([m365.id, azure.id])
    f.pay(session, inv, 100_000, suspended_day + timedelta(days=2))
    f.pay(session, _fee_invoice(session, owner.id), 2_000, suspended_day + timedelta(days=2))
    with f.on(suspended_day + timedelta(days=2)):
        report = on_payment(session, owner.id)
        later = run_dunning(session, suspended_day + timedelta(days=40), customer_ids=[owner.id])
    assert report.reactivated == 2
    assert later.actions == []
    messages = (
        session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "pc.subscription_status")
            .order_by(OutboxMessage.created_at)
        )
        .scalars()
        .all()
    )
    by_key = {m.idempotency_key: m for m in messages}
    for suspension in policy_made:
        reactivation = by_key[f"suspension:{suspension.id}:reactivate"]
        assert reactivation.priority == PRIORITY_REACTIVATE
        assert json.loads(reactivation.payload_json)["target"] == "active"
        pending_suspend = by_key[f"suspension:{suspension.id}:suspend"]
        assert pending_suspend.priority == PRIORITY_SUSPEND
        assert pending_suspend.status == "cancelled"
    session.refresh(manual)
    assert manual.reactivated_at is None
    assert by_key[f"suspension:{manual.id}:suspend"].status == "pending"


def test_policy_changes_apply_only_to_invoices_issued_after_publishing(session: Session) -> None:
    f.publish(session, ISSUE)
    owner = f.customer(session)
    old = f.invoice(session, owner, ISSUE, 100_000)
    later_policy = DEFAULT_POLICY_YAML.replace("offset:  1, action: reminder", "offset:  3, action: reminder")
    v2 = f.publish(session, ISSUE + timedelta(days=5), later_policy)
    new = f.invoice(session, owner, ISSUE + timedelta(days=6), 100_000)
    assert new.policy_version_id == v2.id and old.policy_version_id != v2.id
    for offset in range(0, 10):
        # through 2026-02-09: the new invoice (due 2026-02-06) has its +3 reminder on 2026-02-09
        day = DUE + timedelta(days=offset)
        with f.on(day):
            run_dunning(session, day, customer_ids=[owner.id])
    keys = [(n, k) for _, n, k, _ in f.actions_of(session, owner) if k.endswith("reminder")]
    assert (old.number, "1:reminder") in keys
    assert (new.number, "3:reminder") in keys
    assert (new.number, "1:reminder") not in keys


def test_minimum_amount_holds_everything_but_reminders(session: Session) -> None:
    f.publish(session, ISSUE)
    owner = f.customer(session)
    f.subscription(session, owner)
    inv = f.invoice(session, owner, ISSUE, 900)  # 9.00 EUR, below the 10.00 minimum
    for offset in range(-10, 60):
        day = DUE + timedelta(days=offset)
        with f.on(day):
            run_dunning(session, day)
    assert f.actions_of(session, owner) == [
        ("2026-01-24", inv.number, "-7:reminder", "reminder"),
        ("2026-02-01", inv.number, "1:reminder", "reminder"),
    ]


def test_disputes_promises_and_exemptions_hold_the_steps(session: Session) -> None:
    f.publish(session, ISSUE)
    disputed, promised, exempt = (f.customer(session, name) for name in ("Disputed", "Promised", "Exempt"))
    inv_d = f.invoice(session, disputed, ISSUE, 100_000)
    inv_p = f.invoice(session, promised, ISSUE, 100_000)
    inv_e = f.invoice(session, exempt, ISSUE, 100_000)
    with f.on(DUE):
        dispute = holds.open_dispute(session, SYSTEM, inv_d.id, "wrong seat count")
        holds.record_promise(session, SYSTEM, inv_p.id, DUE + timedelta(days=10), "paying on the 10th")
        holds.exempt_customer(session, SYSTEM, exempt.id, DUE + timedelta(days=20), "new contract")
    for offset in range(0, 16):
        day = DUE + timedelta(days=offset)
        with f.on(day):
            run_dunning(session, day)
    assert f.actions_of(session, disputed) == []
    assert f.actions_of(session, exempt) == []
    assert f.actions_of(session, promised) == [
        ("2026-02-11", inv_p.number, "1:reminder", "reminder"),
        ("2026-02-11", inv_p.number, "7:late_fee", "late_fee"),
        ("2026-02-12", inv_p.number, "12:suspension_warning", "suspension_warning"),
        ("2026-02-14", inv_p.number, "14:suspend", "suspend"),
    ]
    day = DUE + timedelta(days=16)
    with f.on(day):
        holds.resolve_dispute(session, SYSTEM, dispute.id, "customer was right about nothing")
        run_dunning(session, day)
    assert [a[2] for a in f.actions_of(session, disputed)] == ["7:late_fee", "12:suspension_warning", "14:suspend"]
    assert inv_e.id  # exemption still running until 2026-02-20


def test_late_fee_goes_to_a_separate_invoice_or_the_next_run(session: Session) -> None:
    f.publish(session, ISSUE)
    owner = f.customer(session)
    inv = f.invoice(session, owner, ISSUE, 100_000)
    day = DUE + timedelta(days=7)
    with f.on(day):
        run_dunning(session, day, customer_ids=[owner.id])
    fee = session.execute(select(Invoice).where(Invoice.customer_id == owner.id, Invoice.series == "LF")).scalar_one()
    assert (fee.total_minor, fee.lines[0].kind, fee.policy_version_id) == (2_000, "late_fee", inv.policy_version_id)
    assert fee.due_date == day + timedelta(days=30)

    next_run = DEFAULT_POLICY_YAML.replace(
        "business_days_only: false", "business_days_only: false\nlate_fee_destination: next_run"
    )
    f.publish(session, ISSUE + timedelta(days=1), next_run)
    other = f.customer(session)
    f.invoice(session, other, ISSUE + timedelta(days=1), 1_000_000)
    day = DUE + timedelta(days=8)
    with f.on(day):
        run_dunning(session, day, customer_ids=[other.id])
    charge = session.execute(select(OneOffCharge).where(OneOffCharge.customer_id == other.id)).scalar_one()
    assert (charge.unit_price_minor, charge.currency, charge.invoice_id) == (20_000, "EUR", None)


def test_selection_finds_only_customers_with_a_step_to_take(session: Session) -> None:
    f.publish(session, ISSUE)
    due = f.customer(session, "Due")
    paid = f.customer(session, "Paid")
    early = f.customer(session, "Early")
    f.invoice(session, due, ISSUE, 10_000)
    f.pay(session, f.invoice(session, paid, ISSUE, 10_000), 10_000, ISSUE)
    f.invoice(session, early, ISSUE + timedelta(days=20), 10_000)
    with f.on(DUE - timedelta(days=7)):
        assert set(candidate_customers(session, DUE - timedelta(days=7))) & {due.id, paid.id, early.id} == {due.id}
        run_dunning(session, DUE - timedelta(days=7))
        assert set(candidate_customers(session, DUE - timedelta(days=7))) & {due.id, paid.id, early.id} == set()
