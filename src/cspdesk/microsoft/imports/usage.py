"""Daily rated usage: exact sums per customer, Azure subscription, meter and day into the database, and every
row as Parquet in Storage (partitioned by customer and month) for drill-down."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from cspdesk.kit.storage import Storage
from cspdesk.microsoft import storage_keys
from cspdesk.microsoft.imports.bulk import decimal_text, insert_frame, mapped_ids, new_ids, uuid_text
from cspdesk.microsoft.imports.facts import SUBSCRIPTION, TENANT, tenant_is_guid
from cspdesk.microsoft.imports.parties import Parties
from cspdesk.models.microsoft import UsageAggregate

MONTH = "__month"
_BUCKET = "__bucket"
ROWS_PER_BUCKET = 250_000
MAX_BUCKETS = 64
# One small file per tenant and month: per-file statistics cost a quarter of the write and no reader uses them.
_DETAIL_PARQUET: dict[str, Any] = {"compression": "zstd", "compression_level": 1, "statistics": False}
STAGE_BYTES_PER_FILE = 2_000_000
STAGE_ROW_GROUP = 10_000
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


def bucket_count(rows: int) -> int:
    """How many tenant buckets a file of `rows` valid rows is staged in: each bucket is read into memory at once."""
    return max(1, min(MAX_BUCKETS, -(-rows // ROWS_PER_BUCKET)))


def staging_sink(rows: pl.LazyFrame, directory: Path, buckets: int) -> pl.LazyFrame:
    """A lazy sink of the typed rows to Parquet, one file set per tenant bucket (a tenant is in one bucket only)."""
    bucket = (pl.col(TENANT).hash() % buckets).alias(_BUCKET)
    # Small files and row groups: each bucket's open file is buffered in memory, so memory grows with the
    # bucket count, not with the file (1.1 GB peak for 40 buckets at 1M and at 10M rows).
    partitions = pl.PartitionBy(
        directory, key=[_BUCKET], include_key=False, approximate_bytes_per_file=STAGE_BYTES_PER_FILE
    )
    result = rows.with_columns(bucket).sink_parquet(
        partitions, compression="lz4", row_group_size=STAGE_ROW_GROUP, lazy=True
    )
    assert result is not None
    return result


def staged_rows(directory: Path) -> pl.LazyFrame | None:
    """Every staged row (the tenant id not yet checked); None when nothing was staged."""
    files = sorted(directory.glob("*/*.parquet"))
    return pl.scan_parquet(files) if files else None


def with_valid_tenant(rows: pl.LazyFrame) -> pl.LazyFrame:
    return rows.filter(tenant_is_guid())


def staged_buckets(directory: Path) -> list[Path]:
    """The staged bucket directories, each holding one or more Parquet files."""
    return sorted({path.parent for path in directory.rglob("*.parquet")})


def read_bucket(directory: Path) -> pl.DataFrame:
    """One bucket's rows with a valid tenant id (--skip-invalid leaves the others out)."""
    return with_valid_tenant(pl.scan_parquet(sorted(directory.glob("*.parquet")))).collect()


def store_bucket_detail(storage: Storage, rows: pl.DataFrame, batch_id: uuid.UUID, part: int) -> list[str]:
    """Write one bucket's rows into Storage, one Parquet file per tenant and usage month; returns the keys.

    A tenant's rows are all in one bucket, so the bucket number as `part` keeps the keys unique."""
    detail = rows.with_columns(pl.col("UsageDate").dt.strftime("%Y-%m").alias(MONTH))
    keys: list[str] = []
    by_tenant_month = detail.partition_by([TENANT, MONTH], as_dict=True, include_key=False)
    for (tenant, month), tenant_rows in sorted(by_tenant_month.items()):
        key = storage_keys.usage_key(str(tenant), str(month), batch_id, part)
        _write_into(storage, key, tenant_rows)
        keys.append(key)
    return keys


def _write_into(storage: Storage, key: str, part: pl.DataFrame) -> None:
    """Write straight into local storage when it has a path; otherwise through a temporary file."""
    target = storage.local_path(key)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")  # Storage's convention: never a half-written key
        part.write_parquet(partial, **_DETAIL_PARQUET)
        partial.replace(target)
        return
    with tempfile.TemporaryDirectory(prefix="cspdesk-usage-") as tmp:
        path = Path(tmp) / "part.parquet"
        part.write_parquet(path, **_DETAIL_PARQUET)
        storage.put_file(key, path)


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
        mapped_ids(session, TENANT, parties.id_texts("customers")).alias("customer_id"),
        mapped_ids(session, SUBSCRIPTION, parties.id_texts("subscriptions")).alias("subscription_id"),
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


@dataclass(frozen=True)
class PreparedBucket:
    rows: pl.DataFrame
    """The bucket's aggregates as usage_aggregates rows, ready to insert."""
    detail_keys: list[str]


def prepare_bucket(
    session: Session,
    storage: Storage,
    directory: Path,
    *,
    part: int,
    batch_id: uuid.UUID,
    billed: bool,
    parties: Parties,
) -> PreparedBucket:
    """All the Polars work of one bucket, safe to run in another thread (it sends nothing to the database): the
    detail written to Storage and the aggregates shaped for the insert."""
    rows = read_bucket(directory)
    keys = store_bucket_detail(storage, rows, batch_id, part)
    aggregates = aggregate_query(rows.lazy()).collect()
    del rows
    return PreparedBucket(aggregate_rows(session, aggregates, batch_id=batch_id, billed=billed, parties=parties), keys)


def insert_bucket(session: Session, bucket: PreparedBucket) -> int:
    insert_frame(session, UsageAggregate.__table__, bucket.rows, bucket.rows.columns)  # type: ignore[arg-type]
    return bucket.rows.height
