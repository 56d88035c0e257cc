"""Benchmark (not a test): an invoice run over many customers and cost lines, and issuing PDFs.

    .venv/bin/python bench/invoice_run_bench.py --database-url sqlite:////tmp/bench.db --customers 10000 --lines 1000000
    .venv/bin/python bench/invoice_run_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench ...
    .venv/bin/python bench/invoice_run_bench.py --database-url sqlite:////tmp/pdf.db \
        --customers 1000 --lines 10000 --pdfs 1000

--reuse invoices the data already in the database again (previous drafts of 2026-10 deleted first).
Prints wall time, invoices/s, peak RSS, and statements per invoice (counted with before_cursor_execute).
"""

from __future__ import annotations

import argparse
import resource
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, event, func, insert, select, text

from cspdesk.auth.principal import SYSTEM
from cspdesk.billing import invoices
from cspdesk.billing.runs import run_invoices
from cspdesk.config import Settings
from cspdesk.db import Database
from cspdesk.kit import clock
from cspdesk.kit.storage import LocalStorage
from cspdesk.migrations import runner
from cspdesk.models.billing import Invoice, InvoiceLine, InvoiceRun
from cspdesk.models.customer import Customer
from cspdesk.models.microsoft import CostLine, ImportBatch

CHARGES = ("cycleCharge", "new", "renew", "addQuantity", "removeQuantity")


def _cost_row(batch_id: uuid.UUID, customer_id: uuid.UUID, i: int) -> dict[str, object]:
    charge = CHARGES[i % len(CHARGES)]
    sign = -1 if charge == "removeQuantity" else 1
    qty = Decimal(1 + i % 20)
    return {
        "id": uuid.uuid4(), "batch_id": batch_id, "row_key": uuid.uuid4().hex, "line_no": i, "billed": True,
        "customer_id": customer_id, "microsoft_subscription_id": f"sub-{i % 7}", "sku_id": f"SKU{i % 13}",
        "sku_name": f"Product {i % 13}", "product_name": f"Product {i % 13}", "product_family": "microsoft_365",
        "product_kind": "license", "charge_type": charge, "charge_start_date": date(2026, 10, 1 + i % 20),
        "charge_end_date": date(2026, 10, 31), "billing_frequency": "Monthly", "unit_price": Decimal("12.00"),
        "effective_unit_price": Decimal("10.80") * sign, "quantity": qty, "billable_quantity": qty,
        "currency": "EUR", "exchange_rate": Decimal(1), "subtotal_minor": 1080 * int(qty) * sign,
        "tax_minor": 0, "total_minor": 1080 * int(qty) * sign,
    }  # fmt: skip


def generate(database: Database, customers: int, lines: int) -> None:
    per = max(1, lines // customers)
    with database.unit_of_work() as session:
        batch = ImportBatch(kind="nce-recon", file_name="bench.csv", sha256="0" * 64, size_bytes=0, row_count=lines,
                            billed=True, imported_at=clock.now(), imported_by="bench")  # fmt: skip
        session.add(batch)
        session.flush()
        ids = [uuid.uuid4() for _ in range(customers)]
        rows = [{"id": cid, "name": f"Bench {n:05d}", "tenant_id": uuid.uuid4(), "country": "DE",
                 "billing_currency": "EUR", "language": "en"} for n, cid in enumerate(ids)]  # fmt: skip
        session.execute(insert(Customer), rows)
        buffer: list[dict[str, object]] = []
        for n, cid in enumerate(ids):
            buffer.extend(_cost_row(batch.id, cid, n * per + k) for k in range(per))
            if len(buffer) >= 20000:
                session.execute(insert(CostLine), buffer)
                buffer = []
        if buffer:
            session.execute(insert(CostLine), buffer)


def reset_run(database: Database) -> bool:
    """For --reuse: drop a previous run's drafts so the same data is invoiced again; False when there is no data."""
    with database.unit_of_work() as session:
        if not session.execute(select(func.count()).select_from(Customer)).scalar_one():
            return False
        drafts = select(Invoice.id).where(Invoice.period == "2026-10")
        session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(drafts)))
        session.execute(delete(Invoice).where(Invoice.period == "2026-10"))
        session.execute(delete(InvoiceRun).where(InvoiceRun.period == "2026-10"))
    return True


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_run(database: Database, settings: Settings) -> None:
    counter = {"n": 0}

    def count(*_: object) -> None:
        counter["n"] += 1

    event.listen(database.engine, "before_cursor_execute", count)
    started = time.perf_counter()
    with database.unit_of_work() as session:
        result = run_invoices(session, SYSTEM, settings, "2026-10", checkpoint=session.commit)
    wall = time.perf_counter() - started
    event.remove(database.engine, "before_cursor_execute", count)
    print(f"run: {result.created} drafts in {wall:.1f} s = {result.created / wall:.0f} invoices/s; "
          f"statements {counter['n']} = {counter['n'] / max(result.created, 1):.3f} per invoice; "
          f"peak RSS {_peak_rss_mb():.0f} MB")  # fmt: skip


def bench_pdfs(database: Database, settings: Settings, count: int) -> None:
    """Issue `count` drafts one by one (number, PDF rendered and stored, email queued), one commit at the end."""
    storage = LocalStorage(settings.data_dir / "storage")
    with database.unit_of_work() as session:
        ids = list(session.execute(select(Invoice.id).where(Invoice.status == "draft").limit(count)).scalars())
    times: list[float] = []
    started = time.perf_counter()
    with database.unit_of_work() as session:
        for invoice_id in ids:
            one = time.perf_counter()
            invoices.issue_invoice(session, SYSTEM, invoice_id, storage, settings)
            times.append(time.perf_counter() - one)
    wall = time.perf_counter() - started
    times.sort()
    median, p95 = (times[len(times) // 2], times[int(len(times) * 0.95)]) if times else (0.0, 0.0)
    print(f"issue+PDF: {len(ids)} in {wall:.1f} s = {wall / max(len(ids), 1) * 1000:.0f} ms per PDF "
          f"(median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms); peak RSS {_peak_rss_mb():.0f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, default=10000)
    parser.add_argument("--lines", type=int, default=1000000)
    parser.add_argument("--pdfs", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="invoice the data already in the database again")
    args = parser.parse_args()
    runner.upgrade(args.database_url)
    database = Database.from_url(args.database_url)
    settings = Settings(database_url=args.database_url, data_dir=Path("/tmp/cspdesk-bench"))
    started = time.perf_counter()
    if args.reuse and reset_run(database):
        print(f"reusing the data in {args.database_url} (previous 2026-10 drafts deleted)")
    else:
        generate(database, args.customers, args.lines)
        elapsed = time.perf_counter() - started
        print(f"generated {args.customers} customers, {args.lines} cost lines in {elapsed:.1f} s")
    bench_run(database, settings)
    if args.pdfs:
        bench_pdfs(database, settings, args.pdfs)
    with database.unit_of_work() as session:
        session.execute(text("SELECT 1"))


if __name__ == "__main__":
    main()
