"""The hand-written fixtures read back with exact values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl

from cspdesk.microsoft.files import (
    NCE_CHARGE_TYPES,
    FileKind,
    ParseStatus,
    ProductFamily,
    ProductKind,
    read_partner_center_file,
)
from tests.microsoft.files.helpers import fixture_path


def test_microsoft_documented_examples() -> None:
    parsed = read_partner_center_file(fixture_path("recon_microsoft_examples.csv"))
    assert (parsed.kind, parsed.status, parsed.row_count, parsed.errors) == (
        FileKind.NCE_RECON,
        ParseStatus.OK,
        5,
        (),
    )
    rows = parsed.valid_rows().collect()
    assert rows["line_no"].to_list() == [2, 3, 4, 5, 6]
    assert rows["Subtotal"].to_list() == [
        Decimal("100.80"),
        Decimal("1209.60"),
        Decimal("11.52"),
        Decimal("113.60"),
        Decimal("96.25"),
    ]
    assert rows["EffectiveUnitPrice"][4] == Decimal("0.846202666")
    assert rows["PCToBCExchangeRate"][4] == Decimal("0.9211")
    assert rows["OrderDate"][0] == date(2024, 2, 21)
    assert rows["OrderDate_at"][0] == datetime(2024, 2, 21, 9, 14, tzinfo=UTC)
    assert rows["ChargeEndDate"][1] == date(2025, 2, 20)
    assert parsed.totals_by_currency == {
        "EUR": {"Subtotal": Decimal("1531.77"), "TaxTotal": Decimal(0), "Total": Decimal("1531.77")}
    }


def test_every_nce_charge_type_in_any_case() -> None:
    parsed = read_partner_center_file(fixture_path("recon_charge_types.csv"))
    rows = parsed.valid_rows().collect()
    assert parsed.row_count == 18
    assert set(NCE_CHARGE_TYPES) <= set(rows["ChargeType"])
    assert rows.filter(pl.col("line_no") == 19)["ChargeType"].item() == "oneTimeAdjustment"
    assert parsed.totals_by_currency == {
        "GBP": {"Subtotal": Decimal("1558.69"), "TaxTotal": Decimal("311.72"), "Total": Decimal("1870.41")}
    }


def test_prorated_lines_and_credits() -> None:
    rows = read_partner_center_file(fixture_path("recon_charge_types.csv")).valid_rows().collect()
    by_type = {row["ChargeType"]: row for row in rows.iter_rows(named=True)}
    assert by_type["addQuantity"]["EffectiveUnitPrice"] == Decimal("6.880645161")
    assert by_type["removeQuantity"]["BillableQuantity"] == Decimal(-2)
    assert by_type["removeQuantity"]["Total"] == Decimal("-22.22")
    assert by_type["cancelImmediate"]["Subtotal"] == Decimal("-11.96")
    credit = by_type["customerCredit"]
    assert (credit["Subtotal"], credit["Total"], credit["CreditReasonCode"]) == (
        Decimal("-25.00"),
        Decimal("-30.00"),
        "Azure Credit Offer",
    )


def test_product_kind_and_family_per_line() -> None:
    rows = read_partner_center_file(fixture_path("recon_charge_types.csv")).valid_rows().collect()
    assert rows.select("line_no", "product_kind", "product_family").rows() == [
        (2, ProductKind.LICENSE, ProductFamily.MICROSOFT_365),
        (3, ProductKind.LICENSE, ProductFamily.MICROSOFT_365),
        (4, ProductKind.LICENSE, ProductFamily.DYNAMICS_365),
        (5, ProductKind.LICENSE, ProductFamily.DYNAMICS_365),
        (6, ProductKind.LICENSE, ProductFamily.MICROSOFT_365),
        (7, ProductKind.LICENSE, ProductFamily.MICROSOFT_365),
        (8, ProductKind.LICENSE, ProductFamily.MICROSOFT_365),
        (9, ProductKind.LICENSE, ProductFamily.MICROSOFT_365),
        (10, ProductKind.LICENSE, ProductFamily.MICROSOFT_365),
        (11, ProductKind.AZURE_PLAN, ProductFamily.AZURE_PLAN),
        (12, ProductKind.LICENSE, ProductFamily.MICROSOFT_365),
        (13, ProductKind.LICENSE, ProductFamily.MICROSOFT_365),
        (14, ProductKind.LICENSE, ProductFamily.MICROSOFT_365),
        (15, ProductKind.RESERVATION, ProductFamily.OTHER),
        (16, ProductKind.SAVINGS_PLAN, ProductFamily.OTHER),
        (17, ProductKind.PERPETUAL_SOFTWARE, ProductFamily.SOFTWARE),
        (18, ProductKind.THIRD_PARTY, ProductFamily.MARKETPLACE),
        (19, ProductKind.LICENSE, ProductFamily.OTHER),
    ]


def test_two_lines_for_one_charge_stay_two_rows() -> None:
    rows = read_partner_center_file(fixture_path("recon_charge_types.csv")).valid_rows().collect()
    e5 = rows.filter(pl.col("ProductName") == "Microsoft 365 E5")
    assert e5["SkuName"].to_list() == ["Microsoft 365 E5 (no Teams)", "Microsoft Teams Enterprise"]
    assert e5["SubscriptionId"].n_unique() == 1
    assert e5["Subtotal"].sum() == Decimal("149.10")


def test_daily_usage() -> None:
    parsed = read_partner_center_file(fixture_path("usage_small.csv"))
    assert (parsed.kind, parsed.row_count, parsed.valid_row_count) == (FileKind.DAILY_USAGE, 7, 7)
    assert parsed.totals_by_currency == {
        "EUR": {"BillingPreTaxTotal": Decimal("0.889368105")},
        "USD": {"BillingPreTaxTotal": Decimal("4.29414485316")},
    }
    rows = parsed.valid_rows().collect()
    assert rows["PartnerEarnedCreditPercentage"].to_list()[:3] == [Decimal(15), Decimal(0), Decimal(15)]
    credited = rows.filter(pl.col("CreditType") == "Azure Credit Applied")
    assert (credited["CreditPercentage"].item(), credited["BillingPreTaxTotal"].item()) == (Decimal(100), Decimal(0))
    assert rows["Quantity"][6] == Decimal("0.000015")
    assert rows["UsageDate_at"][5] == datetime(2024, 1, 7, 13, 45, tzinfo=UTC)
    assert rows["Tags"][0] == '{"env":"prod","owner":"ops, web"}'
    assert rows["ChargeType"].unique().to_list() == ["new"]


def test_legacy_license() -> None:
    parsed = read_partner_center_file(fixture_path("legacy_small.csv"))
    assert (parsed.kind, parsed.row_count, parsed.errors) == (FileKind.LEGACY_LICENSE, 4, ())
    assert parsed.totals_by_currency == {
        "GBP": {
            "Amount": Decimal("161.32"),
            "TotalOtherDiscount": Decimal("0.41"),
            "Subtotal": Decimal("160.91"),
            "Tax": Decimal("32.18"),
            "TotalForCustomer": Decimal("193.09"),
        }
    }
    rows = parsed.valid_rows().collect()
    assert rows["ChargeType"].to_list() == [
        "Cycle fee",
        "Prorate fees when purchase",
        "Prorate fees when cancel",
        "Activation fee",
    ]
    assert rows["DomainName"][1] is None


def test_aliases_case_order_and_extra_columns() -> None:
    parsed = read_partner_center_file(fixture_path("recon_aliases_case.csv"))
    assert parsed.kind is FileKind.NCE_RECON
    assert parsed.source_columns[:2] == ("PromotionID", "ReferenceID")
    assert parsed.columns[:2] == ("PromotionId", "ReferenceId")
    assert parsed.extra_columns == ("PartnerNotes", "Export Batch")
    assert parsed.missing_optional_columns == ("AlternateId", "ProductQualifiers", "ProductCategory")
    rows = parsed.valid_rows().collect()
    assert rows.select("MpnId", "Tier2MpnId", "ReferenceId", "PromotionId", "PartnerNotes", "Export Batch").row(0) == (
        "4961480",
        "5123456",
        "ref-0",
        "39NFJQT1Q5KV:0002",
        "note 0",
        "2024-02",
    )
    assert rows["Subtotal"].to_list() == [Decimal("100.80"), Decimal("1209.60")]
    assert rows["ProductCategory"].to_list() == [None, None]


def test_every_file_of_a_kind_has_the_same_schema() -> None:
    full = read_partner_center_file(fixture_path("recon_microsoft_examples.csv")).valid_rows()
    partial = (
        read_partner_center_file(fixture_path("recon_aliases_case.csv"))
        .valid_rows()
        .drop("PartnerNotes", "Export Batch")
    )
    assert full.collect_schema() == partial.collect_schema()


def test_utf8_bom_is_accepted() -> None:
    parsed = read_partner_center_file(fixture_path("bom_utf8.csv"))
    assert (parsed.kind, parsed.row_count, parsed.source_columns[0]) == (FileKind.DAILY_USAGE, 2, "PartnerId")


def test_header_only_is_a_distinct_result_not_an_error() -> None:
    parsed = read_partner_center_file(fixture_path("header_only.csv"))
    assert (parsed.status, parsed.row_count, parsed.error_count, parsed.totals_by_currency) == (
        ParseStatus.HEADER_ONLY,
        0,
        0,
        {},
    )
    assert parsed.valid_rows().collect().height == 0


def test_blank_lines_are_counted_not_rejected() -> None:
    parsed = read_partner_center_file(fixture_path("blank_lines.csv"))
    assert (parsed.row_count, parsed.blank_line_count, parsed.error_count) == (2, 3, 0)
    assert parsed.valid_rows().collect()["line_no"].to_list() == [2, 4]


def test_line_numbers_count_line_breaks_inside_quoted_fields() -> None:
    parsed = read_partner_center_file(fixture_path("embedded_newline.csv"))
    rows = parsed.valid_rows().collect()
    assert rows["line_no"].to_list() == [2, 5]
    assert rows["CustomerName"][0] == "Northwind\r\nTraders"
    [error] = parsed.errors
    assert (error.line, error.column, error.value) == (6, "BillingPreTaxTotal", "x")


def test_explicit_kind_is_honoured() -> None:
    parsed = read_partner_center_file(fixture_path("legacy_small.csv"), kind="legacy-license", file_label="june.csv")
    assert (parsed.kind, parsed.file_label) == (FileKind.LEGACY_LICENSE, "june.csv")


def test_batches_and_group_sums() -> None:
    parsed = read_partner_center_file(fixture_path("recon_charge_types.csv"))
    assert [batch.height for batch in parsed.iter_valid_batches(batch_size=7)] == [7, 7, 4]
    sums = parsed.sum_by("product_family")
    assert sums.select("product_family", "rows", "Subtotal").rows() == [
        ("azure_plan", 1, Decimal("-25.00")),
        ("dynamics_365", 2, Decimal("138.12")),
        ("marketplace", 1, Decimal("66.40")),
        ("microsoft_365", 10, Decimal("389.24")),
        ("other", 3, Decimal("145.42")),
        ("software", 1, Decimal("844.51")),
    ]
