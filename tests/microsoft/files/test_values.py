"""Exact numbers, dates and currencies, read through real files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl
import pytest

from cspdesk.microsoft.files import DECIMAL_DTYPE, RowErrorReason, read_partner_center_file
from tests.microsoft.files.conftest import FileBuilder


@pytest.mark.parametrize(
    ("text", "exact"),
    [
        ("0.846202666", "0.846202666"),
        ("0.005001", "0.005001"),
        ("-1209.60", "-1209.60"),
        ("120.96", "120.96"),
        ("+3.1", "3.1"),
        (".5", "0.5"),
        ("7.", "7"),
        ("0.000000000000000001", "1E-18"),
        ("123456789012345678.123456789012345678", "123456789012345678.123456789012345678"),
        # .NET writes small doubles with an exponent; the text is converted exactly, never via float.
        ("1E-06", "0.000001"),
        ("1.5E-05", "0.000015"),
        ("4.16666666666667E-4", "0.000416666666666667"),
        ("1.008E+1", "10.08"),
        ("2E-18", "0.000000000000000002"),
    ],
)
def test_decimal_text_is_kept_exactly(usage_file: FileBuilder, text: str, exact: str) -> None:
    parsed = read_partner_center_file(usage_file([{"Quantity": text}]))
    quantity = parsed.valid_rows().select("Quantity").collect()
    assert quantity.schema["Quantity"] == DECIMAL_DTYPE
    assert quantity.item() == Decimal(exact)


def test_a_value_a_float_cannot_hold_survives(usage_file: FileBuilder) -> None:
    parsed = read_partner_center_file(usage_file([{"BillingPreTaxTotal": "0.30000000000000004"}, {}]))
    total = parsed.totals_by_currency["USD"]["BillingPreTaxTotal"]
    assert total == Decimal("0.30000000000000004") + Decimal("1.9584")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,209.60", RowErrorReason.BAD_NUMBER),
        ("12.5.3", RowErrorReason.BAD_NUMBER),
        ("NaN", RowErrorReason.BAD_NUMBER),
        ("inf", RowErrorReason.BAD_NUMBER),
        (" 12.5", RowErrorReason.BAD_NUMBER),
        ("0x10", RowErrorReason.BAD_NUMBER),
        ("€10.08", RowErrorReason.BAD_NUMBER),
        ("0.1234567890123456789", RowErrorReason.TOO_MANY_DECIMALS),
        ("1E-19", RowErrorReason.TOO_MANY_DECIMALS),
        ("1e-30", RowErrorReason.TOO_MANY_DECIMALS),
        ("1.5E-18", RowErrorReason.TOO_MANY_DECIMALS),
        # A double printed with all 17 digits needs 20 places here: refused rather than rounded.
        ("4.1666666666666669E-4", RowErrorReason.TOO_MANY_DECIMALS),
        ("123456789012345678901.5", RowErrorReason.BAD_NUMBER),
    ],
)
def test_numbers_that_cannot_be_read_exactly_are_rejected(
    usage_file: FileBuilder, text: str, reason: RowErrorReason
) -> None:
    parsed = read_partner_center_file(usage_file([{"Quantity": text}]))
    assert parsed.valid_row_count == 0
    [error] = parsed.errors
    assert (error.line, error.column, error.value, error.reason) == (2, "Quantity", text, reason)


@pytest.mark.parametrize(
    ("text", "day", "moment"),
    [
        ("1/5/2024", date(2024, 1, 5), None),
        ("01/05/2024", date(2024, 1, 5), None),
        ("12/31/2024", date(2024, 12, 31), None),
        ("2/29/2024", date(2024, 2, 29), None),
        ("1/5/2024 3:07", date(2024, 1, 5), datetime(2024, 1, 5, 3, 7, tzinfo=UTC)),
        ("1/5/2024 13:07:09", date(2024, 1, 5), datetime(2024, 1, 5, 13, 7, 9, tzinfo=UTC)),
    ],
)
def test_dates_are_month_day_year_in_utc(
    usage_file: FileBuilder, text: str, day: date, moment: datetime | None
) -> None:
    parsed = read_partner_center_file(usage_file([{"UsageDate": text}]))
    row = parsed.valid_rows().select("UsageDate", "UsageDate_at").collect().row(0)
    assert row == (day, moment)


@pytest.mark.parametrize("text", ["13/1/2024", "2/30/2024", "1/5/24", "2024-01-05", "1/5/2024 25:00", "Jan 5 2024"])
def test_bad_dates_are_row_errors(usage_file: FileBuilder, text: str) -> None:
    parsed = read_partner_center_file(usage_file([{"UsageDate": text}]))
    [error] = parsed.errors
    assert (error.line, error.column, error.value, error.reason) == (2, "UsageDate", text, RowErrorReason.BAD_DATE)


def test_currency_codes_are_iso_4217_and_upper_cased(usage_file: FileBuilder) -> None:
    parsed = read_partner_center_file(
        usage_file([{"BillingCurrency": "eur"}, {"BillingCurrency": "EUR"}, {"BillingCurrency": "XXX"}])
    )
    assert parsed.valid_rows().select(pl.col("BillingCurrency").unique()).collect().item() == "EUR"
    [error] = parsed.errors
    assert (error.line, error.column, error.reason) == (4, "BillingCurrency", RowErrorReason.UNKNOWN_CURRENCY)
    assert set(parsed.totals_by_currency) == {"EUR"}


def test_blank_optional_number_is_null_not_zero(usage_file: FileBuilder) -> None:
    parsed = read_partner_center_file(usage_file([{"PartnerEarnedCreditPercentage": ""}]))
    assert parsed.valid_rows().select("PartnerEarnedCreditPercentage").collect().item() is None


def test_quoted_blank_counts_as_blank(tmp_path: object, usage_file: FileBuilder) -> None:
    path = usage_file([{}])
    text = path.read_text(encoding="utf-8").replace(",USD,", ',"",', 1)
    path.write_text(text, encoding="utf-8")
    [error] = read_partner_center_file(path).errors
    assert (error.column, error.reason) == ("BillingCurrency", RowErrorReason.MISSING_VALUE)
