"""What a reconciliation line sells: its product kind and the cspdesk product family.

Rules from CSP-REFERENCE.md 2.1 "Product kind from the row". Reservations and savings plans are tested before
the Azure plan because they are bought under an Azure plan and may carry its description.
"""

from __future__ import annotations

from enum import StrEnum

import polars as pl

from cspdesk.models.subscription import ProductFamily


class ProductKind(StrEnum):
    AZURE_PLAN = "azure_plan"
    RESERVATION = "reservation"
    SAVINGS_PLAN = "savings_plan"
    THIRD_PARTY = "third_party"
    PERPETUAL_SOFTWARE = "perpetual_software"
    LICENSE = "license"


DYNAMICS_365_MARKERS: tuple[str, ...] = (
    "dynamics",
    "power bi",
    "power apps",
    "power automate",
    "power pages",
    "power virtual agents",
    "power platform",
)

MICROSOFT_365_MARKERS: tuple[str, ...] = (
    "microsoft 365",
    "office 365",
    "exchange",
    "teams",
    "sharepoint",
    "onedrive",
    "project plan",
    "visio",
    "intune",
    "entra",
    "enterprise mobility",
    "defender",
    "purview",
    "windows 365",
    "copilot",
    "viva",
)


def _lower(column: str) -> pl.Expr:
    return pl.col(column).fill_null("").str.strip_chars().str.to_lowercase()


def _product_names() -> pl.Expr:
    return pl.concat_str([_lower("ProductName"), _lower("SkuName")], separator=" | ")


def product_kind_expr() -> pl.Expr:
    """Product kind of each reconciliation line; needs ChargeEndDate already parsed (null when blank)."""
    term = _lower("TermAndBillingCycle")
    publisher = _lower("PublisherName")
    is_azure_plan = (_lower("SubscriptionDescription") == "azure plan") | _product_names().str.contains(
        "azure plan", literal=True
    )
    is_third_party = (publisher != "") & ~publisher.str.starts_with("microsoft")
    is_perpetual = (term == "") & pl.col("ChargeEndDate").is_null()
    return (
        pl.when(term.str.contains("reservation", literal=True))
        .then(pl.lit(ProductKind.RESERVATION.value))
        .when(term.str.contains("savings plan", literal=True))
        .then(pl.lit(ProductKind.SAVINGS_PLAN.value))
        .when(is_azure_plan)
        .then(pl.lit(ProductKind.AZURE_PLAN.value))
        .when(is_third_party)
        .then(pl.lit(ProductKind.THIRD_PARTY.value))
        .when(is_perpetual)
        .then(pl.lit(ProductKind.PERPETUAL_SOFTWARE.value))
        .otherwise(pl.lit(ProductKind.LICENSE.value))
    )


def product_family_expr(kind_column: str) -> pl.Expr:
    """cspdesk product family from the product kind and, for licenses, the product and SKU names."""
    kind = pl.col(kind_column)
    names = _product_names()
    return (
        pl.when(kind == ProductKind.AZURE_PLAN.value)
        .then(pl.lit(ProductFamily.AZURE_PLAN.value))
        .when(kind == ProductKind.THIRD_PARTY.value)
        .then(pl.lit(ProductFamily.MARKETPLACE.value))
        .when(kind == ProductKind.PERPETUAL_SOFTWARE.value)
        .then(pl.lit(ProductFamily.SOFTWARE.value))
        .when((kind == ProductKind.LICENSE.value) & names.str.contains_any(list(DYNAMICS_365_MARKERS)))
        .then(pl.lit(ProductFamily.DYNAMICS_365.value))
        .when((kind == ProductKind.LICENSE.value) & names.str.contains_any(list(MICROSOFT_365_MARKERS)))
        .then(pl.lit(ProductFamily.MICROSOFT_365.value))
        .otherwise(pl.lit(ProductFamily.OTHER.value))
    )
