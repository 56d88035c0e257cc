"""Import batches: lookups and the rule that billed data replaces unbilled data of the same months."""

from __future__ import annotations

import calendar
import uuid
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import Principal
from cspdesk.kit import audit
from cspdesk.models.microsoft import CostLine, ImportBatch, UsageAggregate

APPLIED, SUPERSEDED = "applied", "superseded"


def month_span(start: date, end: date) -> tuple[date, date]:
    """The whole calendar months a period touches: scopes are compared month by month."""
    last = calendar.monthrange(end.year, end.month)[1]
    return start.replace(day=1), end.replace(day=last)


def batch_by_sha(session: Session, sha256: str) -> ImportBatch | None:
    return session.execute(select(ImportBatch).where(ImportBatch.sha256 == sha256)).scalar_one_or_none()


def applied_batches(session: Session, kind: str, start: date, end: date, *, billed: bool) -> list[ImportBatch]:
    """Applied batches of a kind and billed state whose period lies inside the months of start..end."""
    first, last = month_span(start, end)
    stmt = select(ImportBatch).where(
        ImportBatch.kind == kind,
        ImportBatch.status == APPLIED,
        ImportBatch.billed.is_(billed),
        ImportBatch.period_start >= first,
        ImportBatch.period_end <= last,
    )
    return list(session.execute(stmt.order_by(ImportBatch.imported_at)).scalars())


def billed_cover(session: Session, kind: str, start: date, end: date) -> ImportBatch | None:
    """An applied billed batch whose months contain start..end: unbilled data for them is already billed."""
    for batch in session.execute(
        select(ImportBatch).where(ImportBatch.kind == kind, ImportBatch.status == APPLIED, ImportBatch.billed.is_(True))
    ).scalars():
        if batch.period_start and batch.period_end:
            first, last = month_span(batch.period_start, batch.period_end)
            if first <= start and end <= last:
                return batch
    return None


def supersede(session: Session, principal: Principal, old: ImportBatch, new_id: uuid.UUID) -> None:
    """Mark `old` superseded by the batch `new_id` and remove its ledger lines and usage sums."""
    session.execute(delete(CostLine).where(CostLine.batch_id == old.id))
    session.execute(delete(UsageAggregate).where(UsageAggregate.batch_id == old.id))
    old.status, old.superseded_by_id = SUPERSEDED, new_id
    audit.record(
        session,
        principal,
        "import.supersede",
        "import_batch",
        old.id,
        before={"status": APPLIED},
        after={"status": SUPERSEDED, "superseded_by": str(new_id)},
    )
