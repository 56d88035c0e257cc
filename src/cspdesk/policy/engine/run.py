"""The dunning run: select the customers with something to do, then move each one along its invoices' policies.

Every action is keyed (invoice, step, policy version), so a second run on the same day, or a re-run after a crash,
does nothing that was already done. A payment wins: a paid invoice has no further steps, and once no invoice keeps
a suspension (a suspend step done and at least the policy's minimum still owed), what the policy suspended is
reactivated; staff's own suspensions stay.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cspdesk.config import get_settings
from cspdesk.db import Database
from cspdesk.kit import clock
from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from cspdesk.policy import suspensions
from cspdesk.policy.document import FullPaymentAction, PolicyCurrencyError
from cspdesk.policy.engine.selection import candidate_customers, stamp_unversioned
from cspdesk.policy.engine.snapshot import Snapshot, chunked, load_snapshot, load_subscriptions
from cspdesk.policy.engine.state import CustomerState, OpenInvoice, build_state, version_for
from cspdesk.policy.engine.steps import StepContext, carry_out, record_skipped
from cspdesk.policy.engine.writes import BulkWriter, SessionWriter
from cspdesk.policy.timeline import SkipReason, StepStatus


@dataclass(frozen=True)
class PlannedAction:
    customer_id: uuid.UUID
    customer_name: str
    invoice_number: str
    step_key: str
    action: str
    day: date


@dataclass
class RunReport:
    today: date
    dry_run: bool
    customers_considered: int = 0
    actions: list[PlannedAction] = field(default_factory=list)
    reactivated: int = 0
    errors: list[str] = field(default_factory=list)


# Called after each customer; tests use it to simulate a crash part-way through a run.
AfterCustomer = Callable[[uuid.UUID], None]

# Customers whose state is read together (one query per table) and whose simple steps are inserted together.
BATCH_SIZE = 500
NOTICE_ACTIONS = frozenset({"reminder", "suspension_warning"})
SUBSCRIPTION_ACTIONS = frozenset({"suspend", "terminate"})
TAKEN = "another run took the same step at the same time; left to it"


def run_dunning(
    session: Session,
    today: date,
    *,
    customer_ids: Iterable[uuid.UUID] | None = None,
    dry_run: bool = False,
    after_customer: AfterCustomer | None = None,
) -> RunReport:
    """Carry out every step due on `today` for the given customers (default: every candidate); a dry run
    reports what would be done and changes nothing."""
    report = RunReport(today, dry_run)
    savepoint = session.begin_nested() if dry_run else None
    try:
        ids = list(customer_ids) if customer_ids is not None else _select(session, today)
        for batch in chunked(list(dict.fromkeys(ids)), BATCH_SIZE):
            _run_batch(session, batch, report, after_customer)
    finally:
        if savepoint is not None:
            savepoint.rollback()
    return report


def _select(session: Session, today: date) -> list[uuid.UUID]:
    stamp_unversioned(session)
    return candidate_customers(session, today)


Evaluated = CustomerState | str | None


def _evaluate(session: Session, snapshot: Snapshot, customer_id: uuid.UUID) -> Evaluated:
    """The customer's state, the error that stops it, or None for a customer that no longer exists."""
    customer = snapshot.customers.get(customer_id)
    if customer is None:
        return None
    try:
        return build_state(session, snapshot, customer)
    except PolicyCurrencyError as exc:
        return f"{customer.name}: {exc}"


def _due_actions(state: CustomerState) -> set[str]:
    return {entry.step.action for item in state.invoices for entry in item.timeline.due_steps}


def _load_subscriptions(session: Session, snapshot: Snapshot, states: dict[uuid.UUID, Evaluated]) -> None:
    needing = [
        customer_id
        for customer_id, state in states.items()
        if isinstance(state, CustomerState) and _due_actions(state) & SUBSCRIPTION_ACTIONS
    ]
    if needing:
        load_subscriptions(session, snapshot, needing)


def _run_batch(session: Session, ids: list[uuid.UUID], report: RunReport, after_customer: AfterCustomer | None) -> None:
    """Read the batch's state in one query per table, act per customer, then insert the simple steps in bulk."""
    snapshot = load_snapshot(session, ids, report.today)
    states = {customer_id: _evaluate(session, snapshot, customer_id) for customer_id in ids}
    _load_subscriptions(session, snapshot, states)
    bulk, base_url = BulkWriter(), get_settings().base_url
    for customer_id in ids:
        state = states[customer_id]
        if state is not None:
            report.customers_considered += 1
            _run_customer(_Batch(session, base_url, bulk), state, report)
        if after_customer is not None:
            after_customer(customer_id)
    _flush_bulk(session, bulk, states, report)


def _is_simple(state: CustomerState) -> bool:
    """Only notices and skip records to write, and no policy suspension to review: no savepoint needed."""
    if any(s.source == "policy" for s in state.open_suspensions):
        return False
    return _due_actions(state) <= NOTICE_ACTIONS


@dataclass(frozen=True)
class _Batch:
    session: Session
    base_url: str
    bulk: BulkWriter


def _run_customer(batch: _Batch, state: CustomerState | str, report: RunReport) -> None:
    if isinstance(state, str):
        report.errors.append(state)
    elif _is_simple(state):
        _run_simple(batch, state, report)
    else:
        _run_in_savepoint(batch, state, report)


def _run_simple(batch: _Batch, state: CustomerState, report: RunReport) -> None:
    mine, planned = BulkWriter(), RunReport(state.today, report.dry_run)
    try:
        _advance(StepContext(batch.session, state, batch.base_url, mine), planned)
    except PolicyCurrencyError as exc:
        report.errors.append(f"{state.customer.name}: {exc}")
        return
    batch.bulk.extend(mine)
    report.actions.extend(planned.actions)


def _run_in_savepoint(batch: _Batch, state: CustomerState, report: RunReport) -> None:
    session = batch.session
    try:
        with session.begin_nested():
            _advance(StepContext(session, state, batch.base_url, SessionWriter(session)), report)
            report.reactivated += _reactivate_if_paid(session, state)
    except PolicyCurrencyError as exc:
        report.errors.append(f"{state.customer.name}: {exc}")
    except IntegrityError:
        report.errors.append(f"{state.customer.name}: {TAKEN}")


def _flush_bulk(session: Session, bulk: BulkWriter, states: dict[uuid.UUID, Evaluated], report: RunReport) -> None:
    """A step another run inserted meanwhile stays theirs: the customer is reported as left to that run."""
    taken = bulk.flush(session)
    for customer_id in sorted(taken, key=str):
        state = states[customer_id]
        assert isinstance(state, CustomerState)
        report.errors.append(f"{state.customer.name}: {TAKEN}")
    if taken:
        report.actions = [action for action in report.actions if action.customer_id not in taken]


def _advance(ctx: StepContext, report: RunReport) -> None:
    state = ctx.state
    for item in state.invoices:
        for entry in item.timeline.steps:
            if entry.status is StepStatus.SKIPPED and entry.skip_reason is not SkipReason.PAID:
                record_skipped(ctx.writer, item, entry, state.today)
        for entry in list(item.timeline.due_steps):
            if carry_out(ctx, item, entry) is not None:
                report.actions.append(_planned(state, item, entry.key, entry.step.action))


def _planned(state: CustomerState, item: OpenInvoice, key: str, action: str) -> PlannedAction:
    number = item.invoice.number or item.invoice.label
    return PlannedAction(state.customer.id, state.customer.name, number, key, action, state.today)


def keeps_suspension(item: OpenInvoice) -> bool:
    """An invoice whose suspend step ran and on which at least the policy's minimum is still owed."""
    suspended = any(entry.step.action == "suspend" for entry in item.timeline.done_steps)
    return suspended and item.outstanding_minor >= max(item.minimum_minor, 1)


def _reactivate_if_paid(session: Session, state: CustomerState) -> int:
    policy_suspensions = [s for s in state.open_suspensions if s.source == "policy"]
    if not policy_suspensions or any(keeps_suspension(item) for item in state.invoices):
        return 0
    count = 0
    for suspension in policy_suspensions:
        if _on_full_payment(session, suspension.invoice_id) is FullPaymentAction.REVIEW:
            continue
        suspensions.reactivate(session, suspension, reason="the overdue amount was paid", actor=None)
        count += 1
    return count


def _on_full_payment(session: Session, invoice_id: uuid.UUID | None) -> FullPaymentAction:
    from cspdesk.policy import service

    invoice = session.get(Invoice, invoice_id) if invoice_id else None
    version = version_for(session, invoice) if invoice else service.current_version(session)
    return service.document_of(version).on_full_payment if version else FullPaymentAction.REACTIVATE


# ---- triggers ----------------------------------------------------------------------------------------------


def on_payment(session: Session, customer_id: uuid.UUID) -> RunReport:
    """Billing calls this after recording a payment: a payment that clears the balance reactivates at once."""
    return run_dunning(session, clock.today(), customer_ids=[customer_id])


def on_invoice_issued(session: Session, invoice_id: uuid.UUID) -> RunReport | None:
    """Billing calls this when it issues an invoice: the invoice gets the version in force, and its customer is run."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        return None
    version_for(session, invoice)
    return run_dunning(session, clock.today(), customer_ids=[invoice.customer_id])


def run_daily(
    database: Database, today: date, *, chunk_size: int = 200, after_customer: AfterCustomer | None = None
) -> RunReport:
    """The daily run as a boundary: select in one transaction, then commit every `chunk_size` customers, so a
    crash loses at most one chunk and the re-run finishes it."""
    with database.unit_of_work() as session:
        ids = _select(session, today)
    report = RunReport(today, dry_run=False)
    for start in range(0, len(ids), chunk_size):
        with database.unit_of_work() as session:
            part = run_dunning(
                session, today, customer_ids=ids[start : start + chunk_size], after_customer=after_customer
            )
        report.customers_considered += part.customers_considered
        report.actions.extend(part.actions)
        report.reactivated += part.reactivated
        report.errors.extend(part.errors)
    return report


def customers_named(session: Session, names_or_ids: list[str]) -> list[uuid.UUID]:
    found = []
    for text in names_or_ids:
        try:
            found.append(uuid.UUID(text))
            continue
        except ValueError:
            pass
        found.extend(session.execute(select(Customer.id).where(Customer.name == text)).scalars())
    return found
