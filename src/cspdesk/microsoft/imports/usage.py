"""Daily rated usage: exact sums per customer, Azure subscription, meter and day into the database, and every
row as Parquet in Storage (partitioned by customer and month) for drill-down."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from cspdesk.kit.storage import Storage
from cspdesk.microsoft import storage_keys
from cspdesk.microsoft.imports.bulk import decimal_text, insert_frame, mapped_ids, new_ids, uuid_text
from cspdesk.microsoft.imports.facts import SUBSCRIPTION, TENANT
from cspdesk.microsoft.imports.parties import Parties
from cspdesk.models.microsoft import UsageAggregate

MONTH = "__month"
CHUNK_ROWS = 5_000
GROUP_KEYS = [
    TENANT,
    SUBSCRIPTION,
    "EntitlementId",
    "MeterId",
    "UsageDate",
    "PartnerEarnedCreditPercentage",
    "CreditType",
    "BillingCurrency",
]
_SUMS = {
    "quantity": "Quantity",
    "billing_pre_tax_total": "BillingPreTaxTotal",
    "pricing_pre_tax_total": "PricingPreTaxTotal",
}
_FIRSTS = {
    "invoice_number": "InvoiceNumber",
    "entitlement_description": "EntitlementDescription",
    "meter_category": "MeterCategory",
    "meter_subcategory": "MeterSubCategory",
    "meter_name": "MeterName",
    "unit": "Unit",
    "pricing_currency": "PricingCurrency",
    "unit_price": "UnitPrice",
    "effective_unit_price": "EffectiveUnitPrice",
    "exchange_rate": "PCToBCExchangeRate",
}
_TEXT_DEFAULTS = {
    "invoice_number": 40,
    "entitlement_description": 255,
    "meter_category": 120,
    "meter_subcategory": 120,
    "meter_name": 255,
    "unit": 60,
}


def aggregate_query(rows: pl.LazyFrame) -> pl.LazyFrame:
    return rows.group_by(GROUP_KEYS).agg(
        *[pl.col(source).sum().alias(name) for name, source in _SUMS.items()],
        *[pl.col(source).drop_nulls().first().alias(name) for name, source in _FIRSTS.items()],
        pl.len().alias("row_count"),
    )


def detail_sink(rows: pl.LazyFrame, directory: Path) -> pl.LazyFrame:
    """A lazy sink of every usage row to Parquet files partitioned by tenant and usage month."""
    detail = rows.with_columns(pl.col("UsageDate").dt.strftime("%Y-%m").alias(MONTH))
    result = detail.sink_parquet(pl.PartitionBy(directory, key=[TENANT, MONTH], include_key=False), lazy=True)
    assert result is not None
    return result


def store_detail(storage: Storage, directory: Path, batch_id: uuid.UUID) -> list[str]:
    """Move the partition files written under `directory` into Storage; returns their keys."""
    keys: list[str] = []
    for path in sorted(directory.rglob("*.parquet")):
        parts = dict(part.split("=", 1) for part in path.relative_to(directory).parts[:-1])
        key = storage_keys.usage_key(parts[TENANT], parts[MONTH], batch_id, len(keys))
        _move_into(storage, key, path)
        keys.append(key)
    return keys


def _move_into(storage: Storage, key: str, path: Path) -> None:
    """Rename the file into local storage when it can (copying then deleting ~900 files took seconds)."""
    target = storage.local_path(key)
    if target is not None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
        except OSError:  # another file system: copy instead
            pass
        else:
            return
    storage.put_file(key, path)


def new_detail_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="cspdesk-usage-")


def aggregate_rows(
    session: Session, aggregates: pl.DataFrame, *, batch_id: uuid.UUID, billed: bool, parties: Parties
) -> pl.DataFrame:
    """The aggregates shaped as usage_aggregates rows, values already in their stored form."""
    texts = [pl.col(name).fill_null("").str.slice(0, length).alias(name) for name, length in _TEXT_DEFAULTS.items()]
    decimals = ["quantity", "billing_pre_tax_total", "pricing_pre_tax_total", "unit_price", "effective_unit_price"]
    # One customer's rows together and ids ascending: the inserts touch few index pages at a time.
    ordered = aggregates.sort(TENANT, "UsageDate", "EntitlementId")
    return ordered.with_columns(new_ids(session, ordered.height).alias("id")).select(
        "id",
        uuid_text(session, pl.lit(str(batch_id))).alias("batch_id"),
        pl.lit(billed).alias("billed"),
        mapped_ids(session, TENANT, parties.customers).alias("customer_id"),
        mapped_ids(session, SUBSCRIPTION, parties.subscriptions).alias("subscription_id"),
        pl.col(SUBSCRIPTION).fill_null("").str.slice(0, 64).alias("microsoft_subscription_id"),
        pl.col("EntitlementId").fill_null("").str.slice(0, 64).alias("entitlement_id"),
        pl.col("UsageDate").alias("usage_date"),
        pl.col("MeterId").fill_null("").str.slice(0, 64).alias("meter_id"),
        decimal_text(pl.col("PartnerEarnedCreditPercentage").fill_null(0)).alias("pec_percentage"),
        pl.col("CreditType").fill_null("").str.slice(0, 60).alias("credit_type"),
        pl.col("BillingCurrency").alias("billing_currency"),
        pl.coalesce(pl.col("pricing_currency"), pl.col("BillingCurrency")).str.slice(0, 3).alias("pricing_currency"),
        decimal_text(pl.col("exchange_rate").fill_null(1)).alias("exchange_rate"),
        pl.col("row_count").cast(pl.Int64),
        *texts,
        *[decimal_text(pl.col(name).fill_null(0)).alias(name) for name in decimals],
    )


def insert_aggregates(
    session: Session, aggregates: pl.DataFrame, *, batch_id: uuid.UUID, billed: bool, parties: Parties
) -> int:
    rows = aggregate_rows(session, aggregates, batch_id=batch_id, billed=billed, parties=parties)
    insert_frame(session, UsageAggregate.__table__, rows, rows.columns)  # type: ignore[arg-type]
    return aggregates.height
