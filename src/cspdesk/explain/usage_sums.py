"""One customer's Azure usage cost of a month, summed exactly by meter, day and Azure subscription.

The sums are what a cold explanation spends its time on (100,000 aggregate rows a month for a large customer), so
they are made where they are cheapest while staying exact. PostgreSQL sums the text amounts cast to numeric (exact)
in one scan with grouping sets and returns a few hundred rows. SQLite cannot sum decimals exactly; measured, exact
integer tricks in its SQL and building a Polars frame both cost more than reading the driver's raw text rows once
and summing them with Decimal (docs/benchmarks.md).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Numeric, Select, cast, func, literal_column, select, tuple_
from sqlalchemy.orm import Session

from cspdesk.models.microsoft import ImportBatch, UsageAggregate

ZERO = Decimal(0)
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


@dataclass
class UsageFacts:
    """One customer's Azure usage cost of a month (Microsoft's BillingPreTaxTotal), summed several ways."""

    by_category: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    by_meter: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    by_day: dict[date, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    by_group: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    pec_by_entitlement: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    credit_by_entitlement: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    rows: int = 0
    has_groups: bool = False

    @property
    def total(self) -> Decimal:
        return sum(self.by_category.values(), ZERO)

    def add_meter(self, category: str, meter: str, amount: Decimal, rows: int) -> None:
        self.by_category[category] += amount
        self.by_meter[(category, meter)] += amount
        self.rows += rows

    def add_entitlement(self, entitlement: str, pec: bool, credit: bool, amount: Decimal) -> None:
        if pec:
            self.pec_by_entitlement[entitlement] += amount
        if credit:
            self.credit_by_entitlement[entitlement] += amount


def _scoped(stmt: S, customer_id: uuid.UUID, start: date, end: date) -> S:
    """The same rows the invoice run priced: applied batches, usage dates inside the invoice period."""
    return stmt.join(ImportBatch, ImportBatch.id == UsageAggregate.batch_id).where(
        UsageAggregate.customer_id == customer_id,
        UsageAggregate.usage_date.between(start, end),
        ImportBatch.status == "applied",
    )


def usage_facts(session: Session, customer_id: uuid.UUID, start: date, end: date) -> UsageFacts:
    """The month's usage sums, exact to the last digit Microsoft gave."""
    if session.get_bind().dialect.name == "postgresql":
        return _summed_in_sql(session, customer_id, start, end)
    return _summed_from_text(session, customer_id, start, end)


def _summed_in_sql(session: Session, customer_id: uuid.UUID, start: date, end: date) -> UsageFacts:
    """PostgreSQL: one scan, three groupings; a column outside a row's grouping set is NULL (all are NOT NULL)."""
    u = UsageAggregate
    # literals, not bound parameters: PostgreSQL must see the same expression in SELECT and GROUP BY
    pec = cast(u.pec_percentage, Numeric) != literal_column("0")
    credit = u.credit_type != literal_column("''")
    keys = (u.meter_category, u.meter_name, u.usage_date, u.entitlement_id, pec, credit)
    sets = func.grouping_sets(tuple_(u.meter_category, u.meter_name), tuple_(u.usage_date),
                              tuple_(u.entitlement_id, pec, credit))  # fmt: skip
    amount = func.sum(cast(u.billing_pre_tax_total, Numeric))
    stmt = _scoped(select(*keys, amount, func.count()), customer_id, start, end).group_by(sets)
    facts = UsageFacts()
    for category, meter, day, entitlement, has_pec, has_credit, total, rows in session.execute(stmt):
        if category is not None:
            facts.add_meter(category, meter, total, rows)
        elif day is not None:
            facts.by_day[day] += total
        else:
            facts.add_entitlement(entitlement, has_pec, has_credit, total)
    return facts


def _summed_from_text(session: Session, customer_id: uuid.UUID, start: date, end: date) -> UsageFacts:
    """SQLite: the driver's own rows (text amounts, ISO dates), without SQLAlchemy's per-value conversions."""
    u = UsageAggregate
    pec = u.pec_percentage.op("GLOB")(literal_column("'*[1-9]*'"))
    credit = u.credit_type != literal_column("''")
    stmt = select(u.meter_category, u.meter_name, u.usage_date, u.entitlement_id, pec, credit, u.billing_pre_tax_total)
    result = session.connection().execute(_scoped(stmt, customer_id, start, end))
    rows = result.cursor.fetchall()
    result.close()
    by_meter: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    by_day: dict[str, Decimal] = defaultdict(Decimal)
    flagged: dict[tuple[str, int, int], Decimal] = defaultdict(Decimal)
    for category, meter, day, entitlement, has_pec, has_credit, text in rows:
        amount = Decimal(text)
        by_meter[(category, meter)] += amount
        by_day[day] += amount
        if has_pec or has_credit:
            flagged[(entitlement, has_pec, has_credit)] += amount
    facts = UsageFacts(rows=len(rows))
    for (category, meter), total in by_meter.items():
        facts.add_meter(category, meter, total, 0)
    facts.by_day.update((date.fromisoformat(day), total) for day, total in by_day.items())
    for (entitlement, has_pec, has_credit), total in flagged.items():
        facts.add_entitlement(entitlement, bool(has_pec), bool(has_credit), total)
    return facts
