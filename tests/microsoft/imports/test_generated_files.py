"""Files from bench/generate_pc_files.py imported: ledger totals equal the generator's totals to the cent."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.auth.principal import SYSTEM
from cspdesk.kit.money import from_minor
from cspdesk.kit.storage import LocalStorage
from cspdesk.microsoft.imports import import_file, usage
from cspdesk.models.microsoft import CostLine, UsageAggregate

BENCH = Path(__file__).resolve().parents[3] / "bench" / "generate_pc_files.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_pc_files", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_pc_files", module)
    spec.loader.exec_module(module)
    return module


GEN = _generator()
SLOW = settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))


@SLOW
@given(seed=st.integers(1, 10_000), rows=st.integers(1, 120))
def test_recon_ledger_totals_equal_file_totals(session: Session, tmp_path: Path, seed: int, rows: int) -> None:
    path = tmp_path / f"recon-{seed}-{rows}.csv"
    generated = GEN.write_recon_file(path, rows, seed=seed)
    with session.begin_nested() as nested:
        summary = import_file(session, SYSTEM, LocalStorage(tmp_path / "s"), path)
        stmt = select(CostLine.currency, func.sum(CostLine.total_minor)).where(CostLine.batch_id == summary.batch_id)
        ledger = {c: from_minor(int(t), c) for c, t in session.execute(stmt.group_by(CostLine.currency))}
        nested.rollback()
    expected = {c: sums["Total"] for c, sums in generated.totals.by_currency.items()}
    assert ledger == expected


@SLOW
@given(seed=st.integers(1, 10_000), rows=st.integers(1, 400))
def test_usage_aggregates_equal_file_totals(session: Session, tmp_path: Path, seed: int, rows: int) -> None:
    path = tmp_path / f"usage-{seed}-{rows}.csv"
    generated = GEN.write_daily_usage_file(path, rows, seed=seed)
    with session.begin_nested() as nested:
        summary = import_file(session, SYSTEM, LocalStorage(tmp_path / "s"), path)
        stmt = select(UsageAggregate).where(UsageAggregate.batch_id == summary.batch_id)
        sums: dict[str, Decimal] = {}
        for aggregate in session.execute(stmt).scalars():
            sums[aggregate.billing_currency] = (
                sums.get(aggregate.billing_currency, Decimal(0)) + aggregate.billing_pre_tax_total
            )
        nested.rollback()
    expected = {c: s["BillingPreTaxTotal"] for c, s in generated.totals.by_currency.items()}
    assert sums == expected


def _aggregate_key(a: UsageAggregate) -> tuple[str, ...]:
    return tuple(
        str(value)
        for value in (  # not customer_id: each import discovers its customers afresh (rolled back in between)
            a.microsoft_subscription_id,
            a.entitlement_id,
            a.meter_id,
            a.usage_date,
            a.pec_percentage,
            a.credit_type,
            a.billing_currency,
        )
    )


def test_a_file_staged_in_many_buckets_gives_the_same_aggregates_and_detail(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "usage-buckets.csv"
    GEN.write_daily_usage_file(path, 400, seed=7)

    def imported(rows_per_bucket: int, storage: LocalStorage) -> dict[tuple[str, ...], tuple[Decimal, int]]:
        monkeypatch.setattr(usage, "ROWS_PER_BUCKET", rows_per_bucket)
        with session.begin_nested() as nested:
            summary = import_file(session, SYSTEM, storage, path)
            stmt = select(UsageAggregate).where(UsageAggregate.batch_id == summary.batch_id)
            aggregates = list(session.execute(stmt).scalars())
            nested.rollback()
        detail = pl.concat([pl.read_parquet(storage.root / key) for key in storage.keys("usage/")])
        assert detail["BillingPreTaxTotal"].sum() == sum((a.billing_pre_tax_total for a in aggregates), Decimal(0))
        assert detail.height == sum(a.row_count for a in aggregates) == 400
        return {_aggregate_key(a): (a.billing_pre_tax_total, a.row_count) for a in aggregates}

    one_bucket = imported(1_000_000, LocalStorage(tmp_path / "one"))
    many_buckets = imported(50, LocalStorage(tmp_path / "many"))
    parts = {path.stem.rsplit("-", 1)[1] for path in (tmp_path / "many").rglob("*.parquet")}
    assert len(parts) > 1  # the detail came from several buckets
    assert len(one_bucket) > 100 and many_buckets == one_bucket
