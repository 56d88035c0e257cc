"""Facts about a file read in one streamed pass: customers, subscriptions, period, invoices and totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from cspdesk.microsoft.files import PRODUCT_FAMILY, FileKind
from cspdesk.microsoft.files.products import DYNAMICS_365_MARKERS, MICROSOFT_365_MARKERS
from cspdesk.microsoft.files.values import DECIMAL_DTYPE

TENANT = "__tenant"
SUBSCRIPTION = "__subscription"
PERIOD_DATE = "__period_date"
AMOUNT = "__amount"
CURRENCY = "__currency"
FAMILY = "__family"
_GUID = r"^\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$"

SUBSCRIPTION_COLUMN = {
    FileKind.NCE_RECON: "SubscriptionId",
    FileKind.DAILY_USAGE: "SubscriptionId",
    FileKind.LEGACY_LICENSE: "SyndicationPartnerSubscriptionNumber",
}
PERIOD_COLUMN = {
    FileKind.NCE_RECON: "ChargeStartDate",
    FileKind.DAILY_USAGE: "UsageDate",
    FileKind.LEGACY_LICENSE: "ChargeStartDate",
}
AMOUNT_COLUMN = {
    FileKind.NCE_RECON: "Total",
    FileKind.DAILY_USAGE: "BillingPreTaxTotal",
    FileKind.LEGACY_LICENSE: "TotalForCustomer",
}
CURRENCY_COLUMN = {
    FileKind.NCE_RECON: "Currency",
    FileKind.DAILY_USAGE: "BillingCurrency",
    FileKind.LEGACY_LICENSE: "Currency",
}


def tenant_is_guid() -> pl.Expr:
    return pl.col("CustomerId").str.strip_chars().str.contains(_GUID).fill_null(False)


def tenant_text() -> pl.Expr:
    """The tenant id as lower-case canonical GUID text, the form stored and matched everywhere."""
    hex32 = pl.col("CustomerId").str.strip_chars().str.replace_all(r"[{}\-]", "").str.to_lowercase()
    return pl.concat_str(
        [
            hex32.str.slice(0, 8),
            hex32.str.slice(8, 4),
            hex32.str.slice(12, 4),
            hex32.str.slice(16, 4),
            hex32.str.slice(20),
        ],
        separator="-",
    )


def _legacy_family() -> pl.Expr:
    name = pl.col("OfferName").fill_null("").str.to_lowercase()
    return (
        pl.when(name.str.contains_any(list(DYNAMICS_365_MARKERS)))
        .then(pl.lit("dynamics_365"))
        .when(name.str.contains_any(list(MICROSOFT_365_MARKERS)))
        .then(pl.lit("microsoft_365"))
        .otherwise(pl.lit("other"))
    )


def prepared(rows: pl.LazyFrame, kind: FileKind) -> pl.LazyFrame:
    """Valid rows with the helper columns every later step uses (tenant, subscription, period date, family)."""
    family = {
        FileKind.NCE_RECON: pl.col(PRODUCT_FAMILY),
        FileKind.DAILY_USAGE: pl.lit("azure_plan"),
        FileKind.LEGACY_LICENSE: _legacy_family(),
    }[kind]
    return rows.with_columns(
        tenant_text().alias(TENANT),
        pl.col(SUBSCRIPTION_COLUMN[kind]).str.strip_chars().alias(SUBSCRIPTION),
        pl.col(PERIOD_COLUMN[kind]).alias(PERIOD_DATE),
        pl.col(AMOUNT_COLUMN[kind]).alias(AMOUNT),
        pl.col(CURRENCY_COLUMN[kind]).alias(CURRENCY),
        family.alias(FAMILY),
    )


def _product_name(kind: FileKind) -> pl.Expr:
    if kind is FileKind.DAILY_USAGE:
        return pl.lit("Azure plan")
    if kind is FileKind.LEGACY_LICENSE:
        return pl.col("OfferName")
    return pl.coalesce(pl.col("ProductName"), pl.col("SkuName"))


def _domain(kind: FileKind) -> pl.Expr:
    return pl.col("DomainName") if kind is FileKind.LEGACY_LICENSE else pl.col("CustomerDomainName")


def _country(kind: FileKind) -> pl.Expr:
    return pl.lit(None, pl.String) if kind is FileKind.LEGACY_LICENSE else pl.col("CustomerCountry")


def _latest_quantity(kind: FileKind) -> pl.Expr:
    """Seats on the subscription's latest charge line; usage rows carry meter quantities, not seats."""
    if kind is FileKind.DAILY_USAGE:
        return pl.lit(None, DECIMAL_DTYPE)
    # When several lines share the latest date, the largest quantity: the order of rows is not the file's.
    return pl.col("Quantity").filter(pl.col(PERIOD_DATE) == pl.col(PERIOD_DATE).max()).max()


def fact_queries(rows: pl.LazyFrame, kind: FileKind) -> list[pl.LazyFrame]:
    """customers, subscriptions, per currency and charge type totals, period and invoice numbers."""
    customers = rows.group_by(TENANT).agg(
        pl.col("CustomerName").drop_nulls().first().alias("name"),
        _domain(kind).drop_nulls().first().alias("domain"),
        _country(kind).drop_nulls().first().alias("country"),
        pl.col(CURRENCY).drop_nulls().first().alias("currency"),
    )
    offer = pl.concat_str([pl.col("ProductId"), pl.col("SkuId")], separator=":", ignore_nulls=True)
    if kind is FileKind.LEGACY_LICENSE:
        offer = pl.col("DurableOfferId")
    subscriptions = rows.group_by(SUBSCRIPTION).agg(
        pl.col(TENANT).first().alias("tenant"),
        _product_name(kind).drop_nulls().first().alias("product_name"),
        pl.col(FAMILY).first().alias("family"),
        offer.drop_nulls().first().alias("offer_id"),
        (pl.col("OfferId") if kind is FileKind.LEGACY_LICENSE else pl.col("SkuId")).drop_nulls().first().alias("sku"),
        _latest_quantity(kind).alias("quantity"),
    )
    charges = rows.group_by(CURRENCY, "ChargeType").agg(pl.col(AMOUNT).sum(), pl.len().alias("rows"))
    invoice = pl.lit(None, pl.String) if kind is FileKind.LEGACY_LICENSE else pl.col("InvoiceNumber").str.strip_chars()
    scope = rows.select(
        pl.col(PERIOD_DATE).min().alias("start"),
        pl.col(PERIOD_DATE).max().alias("end"),
        invoice.is_null().sum().alias("unbilled_rows"),
        invoice.drop_nulls().unique().sort().implode().alias("invoices"),
        pl.len().alias("rows"),
    )
    return [customers, subscriptions, charges, scope]


@dataclass(frozen=True)
class FileFacts:
    customers: pl.DataFrame
    subscriptions: pl.DataFrame
    charges: pl.DataFrame
    period_start: date | None
    period_end: date | None
    invoice_numbers: list[str]
    unbilled_rows: int
    rows: int

    @classmethod
    def from_frames(cls, frames: list[pl.DataFrame], kind: FileKind) -> FileFacts:
        customers, subscriptions, charges, scope = frames[:4]
        row = scope.row(0, named=True)
        return cls(
            customers=customers.sort(TENANT),
            subscriptions=subscriptions.sort(SUBSCRIPTION),
            charges=charges.sort(CURRENCY, "ChargeType"),
            period_start=row["start"],
            period_end=row["end"],
            invoice_numbers=list(row["invoices"] or []),
            unbilled_rows=int(row["unbilled_rows"] or 0),
            rows=int(row["rows"]),
        )

    @property
    def billed(self) -> bool:
        return self.rows > 0 and self.unbilled_rows == 0

    def charge_totals(self) -> dict[str, dict[str, Decimal]]:
        totals: dict[str, dict[str, Decimal]] = {}
        for row in self.charges.iter_rows(named=True):
            charge_type = row["ChargeType"] or "(blank)"
            bucket = totals.setdefault(row[CURRENCY], {})
            bucket[charge_type] = bucket.get(charge_type, Decimal(0)) + (row[AMOUNT] or Decimal(0))
        return totals
