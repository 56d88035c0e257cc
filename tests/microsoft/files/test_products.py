"""Product kind and family rules on single rows."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from cspdesk.microsoft.files import ProductFamily, ProductKind
from cspdesk.microsoft.files.products import product_family_expr, product_kind_expr

MS = "Microsoft Corporation"
MONTHLY = "One-Month commitment for monthly billing"


def _row(
    product: str,
    *,
    sku: str = "",
    description: str = "",
    term: str = MONTHLY,
    publisher: str = MS,
    charge_end: date | None = date(2024, 2, 20),
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ProductName": [product],
            "SkuName": [sku or product],
            "SubscriptionDescription": [description or product],
            "TermAndBillingCycle": [term or None],
            "PublisherName": [publisher or None],
            "ChargeEndDate": [charge_end],
        },
        schema_overrides={"TermAndBillingCycle": pl.String, "PublisherName": pl.String, "ChargeEndDate": pl.Date},
    )


def _classify(frame: pl.DataFrame) -> tuple[str, str]:
    row = frame.with_columns(product_kind_expr().alias("kind")).with_columns(
        product_family_expr("kind").alias("family")
    )
    return row["kind"].item(), row["family"].item()


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (_row("Azure plan", term=""), (ProductKind.AZURE_PLAN, ProductFamily.AZURE_PLAN)),
        (
            _row("Microsoft Azure", description="AZURE PLAN", term=""),
            (ProductKind.AZURE_PLAN, ProductFamily.AZURE_PLAN),
        ),
        (
            _row("Reserved VM Instance", description="Azure plan", term="1 Year Reservation"),
            (ProductKind.RESERVATION, ProductFamily.OTHER),
        ),
        (
            _row("Azure savings plan for compute", term="3 Years Savings Plan, Monthly Billing"),
            (ProductKind.SAVINGS_PLAN, ProductFamily.OTHER),
        ),
        (
            _row("Acronis Cyber Protect", publisher="Acronis"),
            (ProductKind.THIRD_PARTY, ProductFamily.MARKETPLACE),
        ),
        (
            _row("Adobe Acrobat Pro", publisher="Adobe Inc.", term="", charge_end=None),
            (ProductKind.THIRD_PARTY, ProductFamily.MARKETPLACE),
        ),
        (
            _row("Windows Server 2022 Standard", term="", charge_end=None),
            (ProductKind.PERPETUAL_SOFTWARE, ProductFamily.SOFTWARE),
        ),
        (_row("Microsoft 365 Business Premium"), (ProductKind.LICENSE, ProductFamily.MICROSOFT_365)),
        (_row("Office 365 E3"), (ProductKind.LICENSE, ProductFamily.MICROSOFT_365)),
        (_row("Exchange Online (Plan 2)"), (ProductKind.LICENSE, ProductFamily.MICROSOFT_365)),
        (_row("Microsoft Teams Premium"), (ProductKind.LICENSE, ProductFamily.MICROSOFT_365)),
        (_row("Dynamics 365 Sales Enterprise"), (ProductKind.LICENSE, ProductFamily.DYNAMICS_365)),
        (_row("Power Automate Premium"), (ProductKind.LICENSE, ProductFamily.DYNAMICS_365)),
        (_row("Power BI Premium Per User"), (ProductKind.LICENSE, ProductFamily.DYNAMICS_365)),
        (_row("Minecraft Education"), (ProductKind.LICENSE, ProductFamily.OTHER)),
        (_row("Windows Server 2022 Standard", term=""), (ProductKind.LICENSE, ProductFamily.OTHER)),
    ],
)
def test_classification(frame: pl.DataFrame, expected: tuple[str, str]) -> None:
    assert _classify(frame) == expected
