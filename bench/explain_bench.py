"""Benchmark (not a test): explain an invoice backed by N usage-derived ledger rows against the previous month.

    .venv/bin/python -m bench.explain_bench --rows 100000 --requests 200 --concurrency 8

Seeds a fresh SQLite database (or --database-url), N usage aggregates in October and N in September for one
customer, runs the billing engine for both months, times `explain_invoice` directly (cold: usage-sum cache emptied
before each call; warm), then the p50/p99 latency of `GET /api/invoices/{id}/explanation` under concurrent requests
against uvicorn on loopback.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import insert, select, text

from cspdesk.app import create_app
from cspdesk.auth import crypto
from cspdesk.auth.principal import SYSTEM
from cspdesk.billing.runs import run_invoices
from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.explain import facts
from cspdesk.explain.service import explain_invoice
from cspdesk.kit import clock
from cspdesk.migrations import runner
from cspdesk.models.billing import Invoice
from cspdesk.models.customer import Customer
from cspdesk.models.microsoft import ImportBatch, UsageAggregate
from cspdesk.models.user import ApiToken, User, UserRole

CATEGORIES = ["Virtual Machines", "Storage", "Networking", "SQL Database", "App Service", "Backup"]


def _usage_rows(customer: uuid.UUID, batch: uuid.UUID, start: date, n: int, scale: int) -> list[dict[str, object]]:
    rows = []
    for i in range(n):
        amount = Decimal((i * 7919) % 5000 + scale) / 100
        rows.append(
            {
                "id": uuid.uuid4(),
                "batch_id": batch,
                "billed": True,
                "customer_id": customer,
                "microsoft_subscription_id": "azure-plan",
                "entitlement_id": f"ent-{i % 20}",
                "entitlement_description": f"Subscription {i % 20}",
                "usage_date": start + timedelta(days=i % 28),
                "meter_id": f"m{i % 400}",
                "meter_category": CATEGORIES[i % len(CATEGORIES)],
                "meter_name": f"Meter {i % 400}",
                "pec_percentage": Decimal(15 if i % 3 == 0 else 0),
                "credit_type": "",
                "quantity": Decimal(i % 17 + 1),
                "billing_pre_tax_total": amount,
                "billing_currency": "EUR",
                "pricing_pre_tax_total": amount,
                "pricing_currency": "EUR",
                "unit_price": Decimal(1),
                "effective_unit_price": Decimal(1),
                "exchange_rate": Decimal(1),
                "row_count": 3,
            }
        )
    return rows


def seed(database: Database, settings: Settings, n: int) -> uuid.UUID:
    with database.unit_of_work() as session:
        customer = Customer(name="Bench", tenant_id=uuid.uuid4(), country="DE", billing_currency="EUR")
        batch = ImportBatch(kind="daily-usage", file_name="bench.csv", sha256=uuid.uuid4().hex, size_bytes=1,
                            row_count=n, billed=True, imported_at=clock.now(), imported_by="bench")  # fmt: skip
        session.add_all([customer, batch])
        session.flush()
        for start, scale in ((date(2026, 9, 1), 100), (date(2026, 10, 1), 180)):
            rows = _usage_rows(customer.id, batch.id, start, n, scale)
            for i in range(0, n, 5000):
                session.execute(insert(UsageAggregate), rows[i : i + 5000])
        run_invoices(session, SYSTEM, settings, "2026-09")
        run_invoices(session, SYSTEM, settings, "2026-10")
        stmt = select(Invoice.id).where(Invoice.customer_id == customer.id, Invoice.period == "2026-10")
        invoice_id = session.execute(stmt).scalar_one()
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:  # what autovacuum does soon after a bulk load
            connection.execute(text("ANALYZE"))
            connection.commit()
    return invoice_id


def token(database: Database) -> str:
    value = "csp_" + crypto.random_token()
    with database.unit_of_work() as session:
        user = User(email=f"bench-{uuid.uuid4().hex[:6]}@partner.test", name="bench", password_hash="x", kind="staff",
                    roles=[UserRole(role="billing_admin")])  # fmt: skip
        session.add(user)
        session.flush()
        now = clock.now()
        session.add(ApiToken(name="bench", prefix=value[:12], token_hash=crypto.sha256_hex(value), user_id=user.id,
                             created_at=now, expires_at=now + timedelta(days=1)))  # fmt: skip
    return value


def time_direct(database: Database, invoice_id: uuid.UUID, repeat: int, cold: bool) -> list[tuple[float, float]]:
    """(wall, CPU) seconds per call; cold empties the usage-sum cache first, as after an import."""
    timings = []
    for _ in range(repeat):
        if cold:
            facts._CACHE.clear()
        with database.unit_of_work() as session:
            started, cpu = time.perf_counter(), time.process_time()
            explanation = explain_invoice(session, SYSTEM, invoice_id)
            timings.append((time.perf_counter() - started, time.process_time() - cpu))
    assert explanation.comparison is not None
    total = sum(c.amount_minor for c in explanation.comparison.causes)
    assert total == explanation.comparison.difference_minor
    return timings


def load(url: str, bearer: str, requests: int, concurrency: int) -> tuple[list[float], Counter[int]]:
    """Latencies of the successful requests, and the count of each status code (failures are counted, not fatal)."""

    def one(_: int) -> tuple[float, int]:
        started = time.perf_counter()
        response = client.get(url, headers={"Authorization": f"Bearer {bearer}"})
        return time.perf_counter() - started, response.status_code

    with httpx.Client(timeout=60) as client, ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(one, range(requests)))
    return [t for t, status in results if status == 200], Counter(status for _, status in results)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--warm-token", action="store_true", help="one request before the load")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path('/tmp') / f'explain-bench-{uuid.uuid4().hex[:6]}.db'}"
    runner.upgrade(url)
    database = Database.from_url(url)
    settings = Settings(database_url=url, secret_key="bench", data_dir=Path("/tmp/explain-bench-data"))
    started = time.perf_counter()
    invoice_id = seed(database, settings, args.rows)
    print(f"seeded 2 x {args.rows} usage rows and invoiced both months in {time.perf_counter() - started:.1f} s")
    print(f"machine load before timing (1/5/15 min): {os.getloadavg()}")
    for cold in (True, False):
        runs = time_direct(database, invoice_id, 5, cold)
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(f"explain_invoice direct, {'cold' if cold else 'warm'} cache, 5 runs: wall min {min(walls):.3f} s "
              f"median {statistics.median(walls):.3f} s, CPU median {statistics.median(cpus):.3f} s")  # fmt: skip
    bearer = token(database)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, database), host="127.0.0.1", port=args.port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    endpoint = f"http://127.0.0.1:{args.port}/api/invoices/{invoice_id}/explanation"
    if args.warm_token:  # the token's last_used_at is then fresh and no request of the load writes it
        load(endpoint, bearer, 1, 1)
    timings, statuses = load(endpoint, bearer, args.requests, args.concurrency)
    server.should_exit = True
    thread.join(timeout=10)
    print(f"endpoint under load ({args.requests} requests, {args.concurrency} concurrent): statuses {dict(statuses)}, "
          f"p50 {_pct(timings, 0.5):.3f} s, p99 {_pct(timings, 0.99):.3f} s; load {os.getloadavg()}")  # fmt: skip


if __name__ == "__main__":
    main()
