"""Loading what an explanation is made of: an invoice, its lines, their cost-ledger rows and the month's usage sums.

A constant number of queries per invoice; the usage sums come from `usage_sums` (exact) and are cached.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.explain.usage_sums import UsageFacts as UsageFacts  # re-exported: tests build facts by hand
from cspdesk.explain.usage_sums import usage_facts
from cspdesk.kit.storage import Storage
from cspdesk.microsoft.ledger import usage_detail
from cspdesk.models.billing import Invoice
from cspdesk.models.microsoft import CostLine, ImportBatch

ZERO = Decimal(0)
ID_CHUNK = 500


@dataclass
class InvoiceFacts:
    invoice: Invoice
    costs: dict[uuid.UUID, CostLine]
    usage: UsageFacts

    def costs_of(self, ids: Iterable[uuid.UUID]) -> list[CostLine]:
        return sorted((self.costs[i] for i in ids if i in self.costs), key=lambda c: (c.line_no, str(c.id)))


def cost_lines(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, CostLine]:
    found: dict[uuid.UUID, CostLine] = {}
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        found.update({c.id: c for c in session.execute(select(CostLine).where(CostLine.id.in_(chunk))).scalars()})
    return found


# Usage sums per (customer, month, applied usage batches): an import or supersede changes the key, so an entry
# never goes stale. Small and in memory: a few recent months of the customers being looked at.
_CACHE: OrderedDict[tuple[object, ...], UsageFacts] = OrderedDict()
CACHE_SIZE = 64
_LOCK = threading.Lock()


def cached_usage_facts(session: Session, customer_id: uuid.UUID, start: date, end: date) -> UsageFacts:
    key = (str(session.get_bind().engine.url), customer_id, start, end, frozenset(applied_batches(session)))
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    facts = usage_facts(session, customer_id, start, end)
    with _LOCK:
        _CACHE[key] = facts
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return facts


def applied_batches(session: Session) -> set[uuid.UUID]:
    return set(session.execute(select(ImportBatch.id).where(ImportBatch.status == "applied")).scalars())


def applied_usage_batches(session: Session) -> set[uuid.UUID]:
    stmt = select(ImportBatch.id).where(ImportBatch.kind == "daily-usage", ImportBatch.status == "applied")
    return set(session.execute(stmt).scalars())


def add_resource_groups(
    facts: UsageFacts, storage: Storage, tenant_id: uuid.UUID, period: str, batches: set[uuid.UUID]
) -> None:
    """Resource groups come only from the Parquet detail; without it the drill-down stops at meters."""
    frame = usage_detail(storage, tenant_id, period, ("resource_group", "meter"), batches=batches)
    if frame.is_empty():
        return
    for row in frame.select("ResourceGroup", "MeterCategory", "BillingPreTaxTotal").iter_rows():
        group, category, amount = row
        facts.by_group[(str(category or ""), str(group or ""))] += Decimal(str(amount or 0))
    facts.has_groups = True


def load(session: Session, invoice: Invoice, storage: Storage | None) -> InvoiceFacts:
    ids = sorted({i for line in invoice.lines for i in line.cost_line_ids})
    usage = UsageFacts()
    if any(line.kind == "usage" for line in invoice.lines):
        cached = cached_usage_facts(session, invoice.customer_id, invoice.period_start, invoice.period_end)
        usage = replace(cached, by_group=defaultdict(Decimal), has_groups=False)
        if storage is not None:
            batches = applied_usage_batches(session)
            add_resource_groups(usage, storage, invoice.customer.tenant_id, invoice.period, batches)
    return InvoiceFacts(invoice, cost_lines(session, ids), usage)
