"""Where one customer stands: each open invoice with its policy version, holds, done steps and timeline.

Nothing here is stored as a counter: the state is derived from invoices, payments, holds and what was done.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from cspdesk.kit.money import to_minor
from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from cspdesk.models.policy import PolicySuspension, PolicyVersion
from cspdesk.policy import ledger, service
from cspdesk.policy.document import PolicyDocument, amount_in
from cspdesk.policy.engine.snapshot import Snapshot, load_snapshot
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
    snapshot: Snapshot


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


def _policy_for(
    invoice: Invoice, version: PolicyVersion, cache: dict[tuple[uuid.UUID, bool], PolicyDocument]
) -> PolicyDocument:
    """The version's document; an invoice of the late-fee series runs it without late fees. Cached per batch."""
    late_fee_invoice = ledger.is_late_fee_invoice(invoice)
    found = cache.get((version.id, late_fee_invoice))
    if found is None:
        found = service.document_of(version)
        if late_fee_invoice:
            found = found.model_copy(update={"steps": tuple(s for s in found.steps if s.action != "late_fee")})
        cache[(version.id, late_fee_invoice)] = found
    return found


def _open_invoice(snapshot: Snapshot, invoice: Invoice, outstanding: int, version: PolicyVersion) -> OpenInvoice:
    assert invoice.due_date is not None
    rows_of = snapshot.recorded.get((invoice.id, version.id), {})
    done = {key: day for key, (action, day) in rows_of.items() if action != SKIPPED}
    exempt = snapshot.exempt_until.get(invoice.customer_id)
    holds = Holds(invoice.id in snapshot.disputed, snapshot.promises.get(invoice.id), exempt)
    facts = InvoiceFacts(invoice.due_date, outstanding, invoice.currency, holds, done, invoice.issue_date)
    policy = _policy_for(invoice, version, snapshot.policies)
    timeline = evaluate_timeline(policy, facts, snapshot.today)
    return OpenInvoice(invoice, outstanding, version, policy, facts, timeline, set(rows_of))


def build_state(session: Session, snapshot: Snapshot, customer: Customer) -> CustomerState:
    """Every open invoice of the customer evaluated under its own policy version on the snapshot's day."""
    items = []
    for invoice, outstanding in snapshot.invoices.get(customer.id, []):
        known = snapshot.versions.get(invoice.policy_version_id) if invoice.policy_version_id else None
        version = known or version_for(session, invoice)
        if version is None or invoice.due_date is None:
            continue
        items.append(_open_invoice(snapshot, invoice, outstanding, version))
    suspensions = list(snapshot.suspensions.get(customer.id, []))
    return CustomerState(customer, snapshot.today, items, suspensions, snapshot)


def load_state(session: Session, customer: Customer, today: date) -> CustomerState:
    """Every open invoice of one customer evaluated under its own policy version on `today`."""
    return build_state(session, load_snapshot(session, [customer.id], today), customer)
