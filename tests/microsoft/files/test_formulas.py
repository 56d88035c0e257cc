"""Microsoft's Subtotal formulas (CSP-REFERENCE.md 2.1) with its own examples."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cspdesk.microsoft.files import (
    ProductKind,
    expected_subtotal,
    is_usage_based,
    read_partner_center_file,
    rounddown,
    seat_based_subtotal,
    usage_based_subtotal,
)
from tests.microsoft.files.helpers import fixture_path

D = Decimal


def test_ten_seats_at_eur_10_08() -> None:
    assert seat_based_subtotal(D("10.08"), D(10)) == D("100.80")


def test_annual_prepaid() -> None:
    assert seat_based_subtotal(D("120.96"), D(10)) == D("1209.60")


def test_seat_based_with_exchange_rate_rounds_the_converted_unit_price_down() -> None:
    # 12.34 * 0.9211 = 11.366374 -> 11.36 per seat
    assert seat_based_subtotal(D("12.34"), D(10), D("0.9211")) == D("113.60")


def test_usage_based_with_exchange_rate_rounds_twice() -> None:
    # 0.846202666 * 123.5 = 104.506029251 -> 104.50; * 0.9211 = 96.254950 -> 96.25
    assert usage_based_subtotal(D("0.846202666"), D("123.5"), D("0.9211")) == D("96.25")


def test_proration_example_counts_the_days_of_the_month_the_cycle_started() -> None:
    # Seats bought 21 Feb 2024 (monthly): two seats added 5 Mar pay 16 of February's 28 days.
    effective = D("10.08") * 16 / 28
    assert effective == D("5.76")
    assert seat_based_subtotal(effective, D(2)) == D("11.52")


@pytest.mark.parametrize(
    ("value", "rounded"),
    [(D("1.239"), D("1.23")), (D("-1.239"), D("-1.23")), (D("0.005"), D("0.00")), (D("-3.704"), D("-3.70"))],
)
def test_rounddown_goes_toward_zero_like_excel(value: Decimal, rounded: Decimal) -> None:
    assert rounddown(value) == rounded


def test_credit_is_rounded_toward_zero() -> None:
    assert seat_based_subtotal(D("9.261290323"), D(-2)) == D("-18.52")


def test_formula_follows_the_product_kind() -> None:
    assert is_usage_based(ProductKind.AZURE_PLAN)
    assert not is_usage_based("license")
    assert expected_subtotal("azure_plan", D("0.846202666"), D("123.5"), D("0.9211")) == D("96.25")
    assert expected_subtotal(ProductKind.RESERVATION, D("40.37"), D(2), None) == D("80.74")


def test_every_fixture_line_obeys_its_formula() -> None:
    for name in ("recon_microsoft_examples.csv", "recon_charge_types.csv"):
        rows = read_partner_center_file(fixture_path(name)).valid_rows().collect()
        for row in rows.iter_rows(named=True):
            expected = expected_subtotal(
                row["product_kind"], row["EffectiveUnitPrice"], row["BillableQuantity"], row["PCToBCExchangeRate"]
            )
            assert expected == row["Subtotal"], (name, row["line_no"])
