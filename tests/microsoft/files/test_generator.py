"""The bench generators write self-consistent files that obey the reference formulas."""

from __future__ import annotations

import json
from calendar import monthrange
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
from bench import generate_pc_files as gen

from cspdesk.microsoft.files import (
    NCE_CHARGE_TYPES,
    ParsedFile,
    ProductKind,
    expected_subtotal,
    read_partner_center_file,
    rounddown,
)

TAX_RATES = {market.billing_currency: market.tax_rate for market in gen.MARKETS}


@pytest.fixture(scope="module")
def recon(tmp_path_factory: pytest.TempPathFactory) -> tuple[ParsedFile, gen.GeneratedFile]:
    generated = gen.write_recon_file(tmp_path_factory.mktemp("gen") / "recon.csv", 1_500, seed=7)
    return read_partner_center_file(generated.path), generated


def test_recon_lines_obey_the_subtotal_formulas_and_tax(recon: tuple[ParsedFile, gen.GeneratedFile]) -> None:
    parsed, _ = recon
    assert (parsed.row_count, parsed.error_count) == (1_500, 0)
    for row in parsed.valid_rows().collect().iter_rows(named=True):
        subtotal = expected_subtotal(
            row["product_kind"], row["EffectiveUnitPrice"], row["BillableQuantity"], row["PCToBCExchangeRate"]
        )
        assert row["Subtotal"] == subtotal, row["line_no"]
        assert row["TaxTotal"] == rounddown(subtotal * TAX_RATES[row["Currency"]]), row["line_no"]
        assert row["Total"] == row["Subtotal"] + row["TaxTotal"]


def test_recon_covers_every_charge_type_product_kind_and_currency(
    recon: tuple[ParsedFile, gen.GeneratedFile],
) -> None:
    parsed, generated = recon
    rows = parsed.valid_rows().collect()
    assert set(rows["ChargeType"]) == set(NCE_CHARGE_TYPES)
    assert set(rows["product_kind"]) == set(ProductKind)
    assert set(rows["Currency"]) == set(generated.totals.by_currency) == {"AUD", "CAD", "DKK", "EUR", "GBP", "USD"}
    assert rows.filter(pl.col("PCToBCExchangeRate") != 1).height > 0
    assert rows.filter(pl.col("CreditReasonCode").is_not_null())["ChargeType"].unique().to_list() == ["customerCredit"]
    assert set(rows["BillingFrequency"].drop_nulls()) == {"Monthly", "Annual"}


def test_recon_prorations_count_the_days_of_the_month_the_cycle_started(
    recon: tuple[ParsedFile, gen.GeneratedFile],
) -> None:
    parsed, _ = recon
    changes = ("addQuantity", "removeQuantity", "moveQuantity", "cancelImmediate", "convert", "extendTerm")
    rows = (
        parsed.valid_rows()
        .filter(
            pl.col("ChargeType").is_in(changes)
            & (pl.col("BillingFrequency") == "Monthly")
            & (pl.col("SkuName") == pl.col("ProductName"))
        )
        .collect()
    )
    assert rows.height > 50
    for row in rows.iter_rows(named=True):
        cycle_start = gen.add_months(row["ChargeEndDate"] + timedelta(days=1), -1)
        cycle_days = monthrange(cycle_start.year, cycle_start.month)[1]
        billable_days = (row["ChargeEndDate"] - row["ChargeStartDate"]).days + 1
        prorated = (row["UnitPrice"] * billable_days / cycle_days).quantize(Decimal("1E-9"), ROUND_HALF_UP)
        assert row["EffectiveUnitPrice"] == prorated, row["line_no"]


def test_recon_invoice_totals(recon: tuple[ParsedFile, gen.GeneratedFile]) -> None:
    parsed, generated = recon
    by_invoice = parsed.sum_by("InvoiceNumber", amounts=["Total"])
    assert {row["InvoiceNumber"]: row["Total"] for row in by_invoice.iter_rows(named=True)} == (
        generated.totals.by_invoice
    )
    assert all(number.startswith("G") for number in generated.totals.by_invoice)


def test_usage_amounts_follow_pec_and_exchange_rate(tmp_path: Path) -> None:
    generated = gen.write_daily_usage_file(tmp_path / "usage.csv", 3_000, seed=11)
    parsed = read_partner_center_file(generated.path)
    rows = parsed.valid_rows().collect()
    assert (parsed.row_count, parsed.error_count) == (3_000, 0)
    for row in rows.iter_rows(named=True):
        credited = row["CreditType"] == "Azure Credit Applied"
        discount = (100 - row["PartnerEarnedCreditPercentage"]) / 100
        assert row["EffectiveUnitPrice"] == (0 if credited else row["UnitPrice"] * discount)
        assert row["PricingPreTaxTotal"] == row["EffectiveUnitPrice"] * row["Quantity"]
        assert row["BillingPreTaxTotal"] == row["PricingPreTaxTotal"] * row["PCToBCExchangeRate"]
    assert set(rows["PartnerEarnedCreditPercentage"]) == {0, 15}
    assert rows["CustomerId"].n_unique() > 1
    assert rows["EntitlementId"].n_unique() > rows["CustomerId"].n_unique()
    assert parsed.totals_by_currency == generated.totals.by_currency


def test_legacy_amounts_add_up(tmp_path: Path) -> None:
    generated = gen.write_legacy_file(tmp_path / "legacy.csv", 800, seed=5)
    parsed = read_partner_center_file(generated.path)
    for row in parsed.valid_rows().collect().iter_rows(named=True):
        assert row["Subtotal"] == row["Amount"] - row["TotalOtherDiscount"]
        assert row["TotalForCustomer"] == row["Subtotal"] + row["Tax"]
    assert parsed.totals_by_currency == generated.totals.by_currency


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = gen.write_recon_file(tmp_path / "a.csv", 300, seed=3)
    second = gen.write_recon_file(tmp_path / "b.csv", 300, seed=3)
    other = gen.write_recon_file(tmp_path / "c.csv", 300, seed=4)
    assert first.path.read_bytes() == second.path.read_bytes() != other.path.read_bytes()


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--out-dir", str(tmp_path), "--usage-rows", "200", "--recon-rows", "50", "--legacy-rows", "20"]
    assert gen.main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert {name: summary[name]["rows"] for name in summary} == {
        "daily_usage.csv": 200,
        "nce_recon.csv": 50,
        "legacy_license.csv": 20,
    }
    parsed = read_partner_center_file(tmp_path / "nce_recon.csv")
    totals = {currency: {k: str(v) for k, v in sums.items()} for currency, sums in parsed.totals_by_currency.items()}
    assert {c: {k: Decimal(v) for k, v in s.items()} for c, s in totals.items()} == {
        c: {k: Decimal(v) for k, v in s.items()} for c, s in summary["nce_recon.csv"]["by_currency"].items()
    }
