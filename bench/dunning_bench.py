"""Benchmark (not a test): the daily dunning run over many customers and invoices.

    .venv/bin/python bench/dunning_bench.py --database-url sqlite:////tmp/dunning_bench.db --customers 100000
    .venv/bin/python bench/dunning_bench.py --database-url postgresql://postgres@127.0.0.1:5432/dunning_bench

Populating 1M invoices takes minutes: `--populate-only` fills a database once, `--reuse` measures on a copy of it
(SQLite: `cp`; PostgreSQL: `CREATE DATABASE run TEMPLATE filled`), so before/after runs start from the same data.
Each customer has 10 invoices: 9 paid (one payment allocated to them) and 1 not yet due. Scenario "nothing due"
runs the engine when no step is due; scenario "5% advance" then makes 5 % of the customers owe an invoice that
is one day overdue, and runs again. Reported: wall time and SQL statements of each run (selection + per customer).
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event, exists, insert, select, text, update
from sqlalchemy.engine import Engine

from cspdesk.auth.principal import SYSTEM
from cspdesk.db import Database
from cspdesk.migrations import runner
from cspdesk.models.billing import Invoice
from cspdesk.models.billing_payments import Payment, PaymentAllocation
from cspdesk.models.customer import Customer
from cspdesk.policy import service
from cspdesk.policy.document import DEFAULT_POLICY_YAML
from cspdesk.policy.engine import run_daily

TODAY = date(2026, 6, 1)
INVOICES_PER_CUSTOMER = 10
BATCH = 20_000


class QueryCounter:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.count += 1


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _customers(ids: list[uuid.UUID], now: datetime) -> Iterator[dict[str, Any]]:
    for index, customer_id in enumerate(ids):
        yield {
            "id": customer_id, "name": f"Bench {index:06d}", "tenant_id": uuid.uuid4(), "primary_domain": "",
            "country": "DE", "billing_currency": "EUR", "language": "en", "tax_id": "", "notes": "",
            "status": "active", "needs_review": False, "created_at": now, "updated_at": now,
        }  # fmt: skip


def _invoice(customer_id: uuid.UUID, number: int, issue: date, version_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(), "kind": "invoice", "status": "issued", "series": "INV", "number": f"B-{number:08d}",
        "customer_id": customer_id, "period": issue.strftime("%Y-%m"), "period_start": issue, "period_end": issue,
        "currency": "EUR", "language": "en", "issue_date": issue, "due_date": issue + timedelta(days=30),
        "payment_terms_days": 30, "policy_version_id": version_id, "subtotal_minor": 10_000, "tax_minor": 0,
        "total_minor": 10_000, "cost_minor": 0, "tax_name": "", "tax_note": "", "customer_reference": "",
        "issued_at": now, "created_at": now, "updated_at": now,
    }  # fmt: skip


def populate(database: Database, customers: int) -> list[uuid.UUID]:
    now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
    ids = [uuid.uuid4() for _ in range(customers)]
    with database.unit_of_work() as session:
        version_id = service.publish(session, SYSTEM, DEFAULT_POLICY_YAML).id
    with database.engine.begin() as conn:
        for chunk in _chunks(_customers(ids, now)):
            conn.execute(insert(Customer), chunk)
        number = 0
        for start in range(0, customers, BATCH // INVOICES_PER_CUSTOMER):
            invoices, payments, allocations = [], [], []
            for customer_id in ids[start : start + BATCH // INVOICES_PER_CUSTOMER]:
                payment_id = uuid.uuid4()
                payments.append({
                    "id": payment_id, "customer_id": customer_id, "kind": "payment", "method": "bank",
                    "amount_minor": 90_000, "currency": "EUR", "received_date": TODAY, "reference": "",
                    "recorded_at": now, "recorded_by": "bench",
                })  # fmt: skip
                for month in range(INVOICES_PER_CUSTOMER):
                    number += 1
                    issue = TODAY - timedelta(days=30 * (INVOICES_PER_CUSTOMER - 1 - month) + 10)
                    row = _invoice(customer_id, number, issue, version_id, now)
                    invoices.append(row)
                    if month < INVOICES_PER_CUSTOMER - 1:
                        allocations.append({
                            "id": uuid.uuid4(), "payment_id": payment_id, "invoice_id": row["id"],
                            "amount_minor": 10_000, "allocated_at": now,
                        })  # fmt: skip
            conn.execute(insert(Invoice), invoices)
            conn.execute(insert(Payment), payments)
            conn.execute(insert(PaymentAllocation), allocations)
    return ids


def existing_ids(database: Database) -> list[uuid.UUID]:
    """The customers of an already populated database, in the order `populate` made them (by name)."""
    with database.engine.connect() as conn:
        return list(conn.execute(select(Customer.id).order_by(Customer.name)).scalars())


def make_five_percent_due(database: Database, ids: list[uuid.UUID]) -> int:
    """5 % of the customers: their current invoice becomes one day overdue (the +1 reminder is due)."""
    chosen = ids[::20]
    due = TODAY - timedelta(days=1)
    # NOT EXISTS, not NOT IN: PostgreSQL cannot hash 900k allocation ids in work_mem and rescans them per row.
    paid = exists().where(PaymentAllocation.invoice_id == Invoice.id)
    with database.engine.begin() as conn:
        for start in range(0, len(chosen), 500):
            stmt = (
                update(Invoice)
                .where(Invoice.customer_id.in_(chosen[start : start + 500]), ~paid)
                .values(due_date=due, issue_date=due - timedelta(days=30))
            )
            conn.execute(stmt)
    return len(chosen)


@contextmanager
def measured(label: str, counter: QueryCounter) -> Iterator[None]:
    counter.count = 0
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    load = f"load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    print(f"{label}: {elapsed:.2f} s, {counter.count} queries; {load}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--populate-only", action="store_true", help="fill the database and stop")
    parser.add_argument("--reuse", action="store_true", help="measure on an already populated database")
    args = parser.parse_args()
    database = Database.from_url(args.database_url)
    if args.reuse:
        ids = existing_ids(database)
    else:
        runner.upgrade(args.database_url)
        started = time.perf_counter()
        ids = populate(database, args.customers)
        print(f"populated {args.customers} customers, {args.customers * INVOICES_PER_CUSTOMER} invoices "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    if args.populate_only:
        return
    counter = QueryCounter(database.engine)
    with measured("nothing due", counter):
        report = run_daily(database, TODAY)
    print(f"  customers considered: {report.customers_considered}, steps: {len(report.actions)}")
    advanced = make_five_percent_due(database, ids)
    with measured(f"5% advance ({advanced} customers)", counter):
        report = run_daily(database, TODAY)
    print(f"  customers considered: {report.customers_considered}, steps: {len(report.actions)}")
    with measured("second run the same day", counter):
        report = run_daily(database, TODAY)
    print(f"  customers considered: {report.customers_considered}, steps: {len(report.actions)}")


if __name__ == "__main__":
    main()
