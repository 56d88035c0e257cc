"""What the engine reads about a batch of customers, in one query per table instead of one per customer.

The daily run acts on thousands of customers; loading each one's invoices, steps, holds and suspensions on its own
cost a dozen queries per customer. A snapshot is read once per batch, then each customer is evaluated from it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from cspdesk.models.policy import (
    CustomerExemption,
    DunningAction,
    InvoiceDispute,
    PolicySuspension,
    PolicyVersion,
    PromiseToPay,
)
from cspdesk.models.subscription import Subscription
from cspdesk.policy import ledger
from cspdesk.policy.document import PolicyDocument

T = TypeVar("T")

# Bound parameters per IN list: far below SQLite's and PostgreSQL's limits.
IN_CHUNK = 2_000

# (invoice, version) -> step key -> (action, action date)
Recorded = dict[tuple[uuid.UUID, uuid.UUID], dict[str, tuple[str, date]]]


@dataclass
class Snapshot:
    today: date
    customers: dict[uuid.UUID, Customer]
    invoices: dict[uuid.UUID, list[tuple[Invoice, int]]]
    recorded: Recorded
    disputed: set[uuid.UUID]
    promises: dict[uuid.UUID, date]
    exempt_until: dict[uuid.UUID, date]
    suspensions: dict[uuid.UUID, list[PolicySuspension]]
    # Loaded only when a batch has a suspend or terminate step to take (see load_subscriptions).
    subscriptions: dict[uuid.UUID, list[Subscription]] | None = None
    versions: dict[uuid.UUID, PolicyVersion] = field(default_factory=dict)
    # Parsed documents per (version id, late-fee invoice): parsed and trimmed once per batch.
    policies: dict[tuple[uuid.UUID, bool], PolicyDocument] = field(default_factory=dict)


def chunked(ids: Sequence[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _customers(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Customer]:
    found: dict[uuid.UUID, Customer] = {}
    for part in chunked(ids):
        found.update({c.id: c for c in session.execute(select(Customer).where(Customer.id.in_(part))).scalars()})
    return found


def _open_invoices(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[tuple[Invoice, int]]]:
    """Each customer's open invoices with what is left to pay, in the order `ledger.open_invoices` gives."""
    found: dict[uuid.UUID, list[tuple[Invoice, int]]] = defaultdict(list)
    for part in chunked(ids):
        for invoice, outstanding in session.execute(ledger.open_invoices(part)):
            found[invoice.customer_id].append((invoice, int(outstanding)))
    return found


def _recorded(session: Session, invoice_ids: list[uuid.UUID]) -> Recorded:
    recorded: Recorded = defaultdict(dict)
    for part in chunked(invoice_ids):
        stmt = select(
            DunningAction.invoice_id,
            DunningAction.policy_version_id,
            DunningAction.step_key,
            DunningAction.action,
            DunningAction.action_date,
        ).where(DunningAction.invoice_id.in_(part))
        for invoice_id, version_id, key, action, day in session.execute(stmt):
            recorded[(invoice_id, version_id)][key] = (action, day)
    return recorded


def _disputed(session: Session, invoice_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for part in chunked(invoice_ids):
        stmt = select(InvoiceDispute.invoice_id).where(
            InvoiceDispute.invoice_id.in_(part), InvoiceDispute.status == "open"
        )
        found.update(session.execute(stmt).scalars())
    return found


def _promises(session: Session, invoice_ids: list[uuid.UUID]) -> dict[uuid.UUID, date]:
    found: dict[uuid.UUID, date] = {}
    for part in chunked(invoice_ids):
        stmt = (
            select(PromiseToPay.invoice_id, func.max(PromiseToPay.until_date))
            .where(PromiseToPay.invoice_id.in_(part))
            .group_by(PromiseToPay.invoice_id)
        )
        found.update(dict(session.execute(stmt).all()))
    return found


def _exempt_until(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, date]:
    found: dict[uuid.UUID, date] = {}
    for part in chunked(ids):
        stmt = (
            select(CustomerExemption.customer_id, func.max(CustomerExemption.until_date))
            .where(CustomerExemption.customer_id.in_(part))
            .group_by(CustomerExemption.customer_id)
        )
        found.update(dict(session.execute(stmt).all()))
    return found


def _open_suspensions(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[PolicySuspension]]:
    found: dict[uuid.UUID, list[PolicySuspension]] = defaultdict(list)
    for part in chunked(ids):
        stmt = select(PolicySuspension).where(
            PolicySuspension.customer_id.in_(part), PolicySuspension.reactivated_at.is_(None)
        )
        for suspension in session.execute(stmt.order_by(PolicySuspension.suspended_at)).scalars():
            found[suspension.customer_id].append(suspension)
    return found


def load_snapshot(session: Session, customer_ids: Sequence[uuid.UUID], today: date) -> Snapshot:
    """Everything the engine reads about these customers on `today`: about nine queries, however many customers."""
    ids = list(customer_ids)
    invoices = _open_invoices(session, ids)
    invoice_ids = [invoice.id for rows in invoices.values() for invoice, _ in rows]
    versions = {version.id: version for version in session.execute(select(PolicyVersion)).scalars()}
    return Snapshot(
        today=today,
        customers=_customers(session, ids),
        invoices=invoices,
        recorded=_recorded(session, invoice_ids),
        disputed=_disputed(session, invoice_ids),
        promises=_promises(session, invoice_ids),
        exempt_until=_exempt_until(session, ids),
        suspensions=_open_suspensions(session, ids),
        versions=versions,
    )


def load_subscriptions(session: Session, snapshot: Snapshot, customer_ids: Sequence[uuid.UUID]) -> None:
    """The subscriptions of customers with a suspend or terminate step today, in one query per chunk."""
    found: dict[uuid.UUID, list[Subscription]] = defaultdict(list)
    for part in chunked(list(customer_ids)):
        stmt = select(Subscription).where(Subscription.customer_id.in_(part))
        for subscription in session.execute(stmt.order_by(Subscription.product_name, Subscription.id)).scalars():
            found[subscription.customer_id].append(subscription)
    snapshot.subscriptions = found
