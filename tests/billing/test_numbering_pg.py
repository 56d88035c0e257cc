"""Gap-free numbering under concurrent issuing, on PostgreSQL: separate committed transactions in threads."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.billing import invoices
from cspdesk.billing.numbering import counter_name
from cspdesk.config import Settings
from cspdesk.kit.storage import LocalStorage
from cspdesk.models.billing import Invoice, InvoiceLine
from cspdesk.models.counter import Counter
from cspdesk.models.customer import Customer

pytestmark = pytest.mark.postgres
SERIES = "PGT"
COUNT = 12


def _drafts(engine: Engine) -> tuple[uuid.UUID, list[uuid.UUID]]:
    with Session(engine) as session:
        customer = Customer(name="Concurrent", tenant_id=uuid.uuid4(), country="DE", billing_currency="EUR")
        session.add(customer)
        session.flush()
        drafts = [
            Invoice(series=SERIES, customer_id=customer.id, period="2026-10", period_start=date(2026, 10, 1),
                    period_end=date(2026, 10, 31), currency="EUR", payment_terms_days=30, subtotal_minor=100,
                    total_minor=100, lines=[InvoiceLine(position=1, kind="one_off", description="x",
                    quantity=Decimal(1), unit_price=Decimal(1), amount_minor=100, tax_rate=Decimal(0))])
            for _ in range(COUNT)
        ]  # fmt: skip
        session.add_all(drafts)
        session.commit()
        return customer.id, [d.id for d in drafts]


def test_concurrent_issuing_has_no_gaps_or_duplicates(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(database_url=str(engine.url), data_dir=tmp_path)
    storage = LocalStorage(tmp_path / "storage")
    customer_id, ids = _drafts(engine)

    def issue(invoice_id: uuid.UUID) -> str:
        with Session(engine) as session:
            number = str(invoices.issue_invoice(session, SYSTEM, invoice_id, storage, settings).number)
            session.commit()
            return number

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            numbers = list(pool.map(issue, ids))
        year = int(numbers[0].split("-")[1])
        assert sorted(numbers) == [f"{SERIES}-{year}-{n:06d}" for n in range(1, COUNT + 1)]
    finally:
        with Session(engine) as session:
            session.execute(delete(Invoice).where(Invoice.customer_id == customer_id))
            session.execute(delete(Customer).where(Customer.id == customer_id))
            session.execute(delete(Counter).where(Counter.name.like(f"invoice:{SERIES}:%")))
            session.commit()
    _ = (select, counter_name)
