"""Drill-down into the usage detail kept as Parquet: one customer's month, by resource group, meter, resource or day."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

import polars as pl

from cspdesk.kit.storage import Storage
from cspdesk.microsoft import storage_keys

DETAIL_GROUPS = {
    "resource_group": ["ResourceGroup"],
    "meter": ["MeterCategory", "MeterName", "MeterId"],
    "resource": ["ResourceURI"],
    "day": ["UsageDate"],
    "entitlement": ["EntitlementId", "EntitlementDescription"],
}


def _sources(storage: Storage, tenant: str, period: str, batches: Collection[uuid.UUID] | None) -> list[pl.LazyFrame]:
    frames = []
    for key in storage.keys(storage_keys.usage_prefix(tenant, period)):
        if batches is not None and storage_keys.batch_of_usage_key(key) not in batches:
            continue
        local = storage.local_path(key)
        frames.append(pl.scan_parquet(local) if local is not None else pl.read_parquet(storage.read_bytes(key)).lazy())
    return frames


def usage_detail(
    storage: Storage,
    customer_tenant_id: uuid.UUID | str,
    period: str,
    group_by: Sequence[str] = ("meter",),
    *,
    batches: Collection[uuid.UUID] | None = None,
) -> pl.DataFrame:
    """Exact sums of quantity and BillingPreTaxTotal for a customer's usage month ('YYYY-MM').

    Pass `batches` (the applied usage batch ids) so that data replaced by a later import is left out.
    """
    columns = [column for name in group_by for column in DETAIL_GROUPS[name]]
    frames = _sources(storage, str(customer_tenant_id).lower(), period, batches)
    if not frames:
        return pl.DataFrame()
    detail = pl.concat(frames, how="diagonal_relaxed")
    return (
        detail.group_by([*columns, "BillingCurrency"])
        .agg(pl.col("Quantity").sum(), pl.col("BillingPreTaxTotal").sum(), pl.len().alias("rows"))
        .sort([*columns, "BillingCurrency"])
        .collect(engine="streaming")
    )
