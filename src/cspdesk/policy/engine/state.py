"""Where one customer stands: each open invoice with its policy version, holds, done steps and timeline.

Nothing here is stored as a counter: the state is derived from invoices, payments, holds and what was done.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.kit.money import to_minor
from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from cspdesk.models.policy import DunningAction, PolicySuspension, PolicyVersion
from cspdesk.policy import ledger, repository, service
from cspdesk.policy.document import PolicyDocument, amount_in
from cspdesk.policy.timeline import Holds, InvoiceFacts, Timeline, evaluate_timeline

SKIPPED = "skipped"


@dataclass
class OpenInvoice:
    invoice: Invoice
    outstanding_minor: int
    version: PolicyVersion
    policy: PolicyDocument
    facts: InvoiceFacts
    timeline: Timeline
    # Step keys with an action row (done or skipped) under this version: never inserted twice.
    recorded: set[str] = field(default_factory=set)

    @property
    def minimum_minor(self) -> int:
        return to_minor(amount_in(self.policy.minimum_overdue_amount, self.invoice.currency), self.invoice.currency)

    def mark_done(self, key: str, day: date) -> None:
        """Record a carried-out step in memory, so the next evaluation (and the notice text) sees it."""
        self.facts = replace(self.facts, done={**self.facts.done, key: day})
        self.timeline = evaluate_timeline(self.policy, self.facts, self.timeline.today)


@dataclass
class CustomerState:
    customer: Customer
    today: date
    invoices: list[OpenInvoice]
    open_suspensions: list[PolicySuspension]


def _issued_moment(invoice: Invoice) -> datetime:
    if invoice.issued_at is not None:
        return invoice.issued_at
    day = invoice.issue_date or invoice.period_end
    return datetime.combine(day, time.max, tzinfo=ZoneInfo("UTC"))


def version_for(session: Session, invoice: Invoice) -> PolicyVersion | None:
    """The invoice's own version; an invoice issued before billing stored one gets the version then in force."""
    if invoice.policy_version_id is not None:
        return service.version_by_id(session, invoice.policy_version_id)
    version = service.version_in_force_at(session, _issued_moment(invoice))
    if version is not None:
        invoice.policy_version_id = version.id
    return version


Recorded = dict[tuple[uuid.UUID, uuid.UUID], dict[str, tuple[str, date]]]


def _recorded_steps(session: Session, invoice_ids: list[uuid.UUID]) -> Recorded:
    """Per (invoice, version): every step key with an action row, and what the row says (done or skipped)."""
    stmt = select(
        DunningAction.invoice_id,
        DunningAction.policy_version_id,
        DunningAction.step_key,
        DunningAction.action,
        DunningAction.action_date,
    ).where(DunningAction.invoice_id.in_(invoice_ids))
    recorded: Recorded = defaultdict(dict)
    for invoice_id, version_id, key, action, day in session.execute(stmt).all():
        recorded[(invoice_id, version_id)][key] = (action, day)
    return recorded


def _policy_for(invoice: Invoice, version: PolicyVersion) -> PolicyDocument:
    policy = service.document_of(version)
    if ledger.is_late_fee_invoice(invoice):
        return policy.model_copy(update={"steps": tuple(s for s in policy.steps if s.action != "late_fee")})
    return policy


def load_state(session: Session, customer: Customer, today: date) -> CustomerState:
    """Every open invoice of the customer evaluated under its own policy version on `today`."""
    rows = session.execute(ledger.open_invoices([customer.id])).all()
    invoice_ids = [invoice.id for invoice, _ in rows]
    recorded = _recorded_steps(session, invoice_ids)
    disputes = repository.open_disputes(session, invoice_ids)
    promises = repository.promises(session, invoice_ids)
    exempt_until = repository.exempt_until(session, customer.id)
    items = []
    for invoice, outstanding in rows:
        version = version_for(session, invoice)
        if version is None or invoice.due_date is None:
            continue
        rows_of = recorded[(invoice.id, version.id)]
        done = {key: day for key, (action, day) in rows_of.items() if action != SKIPPED}
        holds = Holds(invoice.id in disputes, promises.get(invoice.id), exempt_until)
        facts = InvoiceFacts(invoice.due_date, int(outstanding), invoice.currency, holds, done, invoice.issue_date)
        policy = _policy_for(invoice, version)
        timeline = evaluate_timeline(policy, facts, today)
        items.append(OpenInvoice(invoice, int(outstanding), version, policy, facts, timeline, set(rows_of)))
    return CustomerState(customer, today, items, repository.open_suspensions(session, customer.id))
