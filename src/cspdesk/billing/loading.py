"""Set-based loading for invoice runs: a constant number of queries per chunk of customers, never per line."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from cspdesk.billing.pricing import CostRow, UsageRow
from cspdesk.models.billing import Invoice, OneOffCharge, RecurringCharge
from cspdesk.models.customer import Customer, CustomerGroup
from cspdesk.models.microsoft import CostLine, ImportBatch, UsageAggregate

COST_COLUMNS = [getattr(CostLine, name) for name in CostRow.__dataclass_fields__]
USAGE_COLUMNS = [getattr(UsageAggregate, name) for name in UsageRow.__dataclass_fields__]


@dataclass(frozen=True)
class CustomerRow:
    id: uuid.UUID
    name: str
    group_id: uuid.UUID | None
    currency: str
    country: str
    language: str
    terms_days: int | None
    group_terms_days: int | None


def customers(session: Session, only: list[uuid.UUID] | None = None) -> list[CustomerRow]:
    stmt = (
        select(
            Customer.id,
            Customer.name,
            Customer.group_id,
            Customer.billing_currency,
            Customer.country,
            Customer.language,
            Customer.payment_terms_days,
            CustomerGroup.payment_terms_days,
        )
        .outerjoin(CustomerGroup, CustomerGroup.id == Customer.group_id)
        .order_by(Customer.name, Customer.id)
    )
    if only is not None:
        stmt = stmt.where(Customer.id.in_(only))
    return [CustomerRow(*row) for row in session.execute(stmt)]


def existing_run_keys(session: Session, keys: list[str]) -> set[str]:
    return {k for k in session.execute(select(Invoice.run_key).where(Invoice.run_key.in_(keys))).scalars() if k}


def cost_rows(session: Session, ids: list[uuid.UUID], start: date, end: date) -> dict[uuid.UUID, list[CostRow]]:
    in_period = or_(
        CostLine.charge_start_date.between(start, end),
        and_(CostLine.charge_start_date.is_(None), CostLine.order_date.between(start, end)),
    )
    stmt = (
        select(*COST_COLUMNS)
        .join(ImportBatch, ImportBatch.id == CostLine.batch_id)
        .where(CostLine.customer_id.in_(ids), in_period, ImportBatch.status == "applied")
    )
    grouped: dict[uuid.UUID, list[CostRow]] = defaultdict(list)
    # Core execution on the session's connection (no ORM loading layer); all() fetches in bulk, not row by row.
    for row in session.connection().execute(stmt).all():
        grouped[row.customer_id].append(CostRow(*row))
    return grouped


def usage_rows(session: Session, ids: list[uuid.UUID], start: date, end: date) -> dict[uuid.UUID, list[UsageRow]]:
    stmt = (
        select(*USAGE_COLUMNS)
        .join(ImportBatch, ImportBatch.id == UsageAggregate.batch_id)
        .where(
            UsageAggregate.customer_id.in_(ids),
            UsageAggregate.usage_date.between(start, end),
            ImportBatch.status == "applied",
        )
    )
    grouped: dict[uuid.UUID, list[UsageRow]] = defaultdict(list)
    for row in session.execute(stmt):
        grouped[row.customer_id].append(UsageRow(*row))
    return grouped


def due_recurring(session: Session, ids: list[uuid.UUID], period: str) -> dict[uuid.UUID, list[RecurringCharge]]:
    stmt = select(RecurringCharge).where(
        RecurringCharge.customer_id.in_(ids),
        RecurringCharge.active.is_(True),
        RecurringCharge.next_period <= period,
        or_(RecurringCharge.end_period.is_(None), RecurringCharge.end_period >= period),
    )
    grouped: dict[uuid.UUID, list[RecurringCharge]] = defaultdict(list)
    for charge in session.execute(stmt.order_by(RecurringCharge.description)).scalars():
        grouped[charge.customer_id].append(charge)
    return grouped


def pending_one_offs(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[OneOffCharge]]:
    stmt = select(OneOffCharge).where(OneOffCharge.customer_id.in_(ids), OneOffCharge.invoice_id.is_(None))
    grouped: dict[uuid.UUID, list[OneOffCharge]] = defaultdict(list)
    for charge in session.execute(stmt.order_by(OneOffCharge.created_at)).scalars():
        grouped[charge.customer_id].append(charge)
    return grouped
