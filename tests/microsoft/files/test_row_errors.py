"""Rows that fail validation: precise errors, bounded in memory, all of them written to a rejects file."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from cspdesk.microsoft.files import (
    ParseStatus,
    RowError,
    RowErrorReason,
    read_partner_center_file,
    write_rejects,
)
from tests.microsoft.files.conftest import FileBuilder
from tests.microsoft.files.helpers import fixture_path

R = RowErrorReason
EXPECTED = [
    (3, "OrderDate", "13/45/2024 9:00", R.BAD_DATE),
    (3, "ChargeStartDate", "2/1/24", R.BAD_DATE),
    (4, "Quantity", "12.5.3", R.BAD_NUMBER),
    (4, "Subtotal", "1,209.60", R.BAD_NUMBER),
    (5, "CustomerId", None, R.MISSING_VALUE),
    (5, "Currency", "EUX", R.UNKNOWN_CURRENCY),
    (6, "UnitPrice", "1E-30", R.TOO_MANY_DECIMALS),
    (6, "EffectiveUnitPrice", "0.1234567890123456789", R.TOO_MANY_DECIMALS),
    (8, "TaxTotal", None, R.MISSING_VALUE),
    (8, "PCToBCExchangeRate", "abc", R.BAD_NUMBER),
]


def test_row_errors_are_precise() -> None:
    parsed = read_partner_center_file(fixture_path("row_errors.csv"))
    assert (parsed.status, parsed.row_count, parsed.valid_row_count, parsed.rejected_row_count) == (
        ParseStatus.ROW_ERRORS,
        7,
        2,
        5,
    )
    assert parsed.error_count == 10
    assert [(e.line, e.column, e.value, e.reason) for e in parsed.errors] == EXPECTED
    assert {e.file for e in parsed.errors} == {"row_errors.csv"}


def test_row_error_message_has_file_line_column_value_and_reason() -> None:
    error = RowError("march.csv", 4, "Subtotal", "1,209.60", R.BAD_NUMBER)
    assert str(error) == (
        "march.csv: line 4: column Subtotal: bad number: expected a plain decimal such as -1209.60 (or 1.5E-05) "
        "(value '1,209.60')"
    )


def test_valid_rows_next_to_rejected_ones_are_kept() -> None:
    parsed = read_partner_center_file(fixture_path("row_errors.csv"))
    rows = parsed.valid_rows().collect()
    assert rows["line_no"].to_list() == [2, 7]
    # Unknown charge types are kept as written; currencies are upper-cased; exponents read exactly.
    assert rows.row(1, named=True)["ChargeType"] == "priceAdjustment"
    assert rows.row(1, named=True)["Currency"] == "EUR"
    assert rows.row(1, named=True)["EffectiveUnitPrice"] == Decimal("10.08")
    assert parsed.totals_by_currency["EUR"]["Subtotal"] == Decimal("201.60")


def test_error_counts_by_column_and_reason() -> None:
    parsed = read_partner_center_file(fixture_path("row_errors.csv"))
    assert parsed.error_counts == {(line_column, reason): 1 for _, line_column, _, reason in EXPECTED}


def test_only_the_first_errors_are_kept_but_all_are_counted() -> None:
    parsed = read_partner_center_file(fixture_path("row_errors.csv"), max_errors_kept=3)
    assert [(e.line, e.column) for e in parsed.errors] == [(3, "OrderDate"), (3, "ChargeStartDate"), (4, "Quantity")]
    assert parsed.error_count == 10


def test_many_errors_stay_bounded(usage_file: FileBuilder) -> None:
    rows = [{"Quantity": "many"} if i % 2 else {} for i in range(5_000)]
    parsed = read_partner_center_file(usage_file(rows))
    assert (parsed.error_count, len(parsed.errors)) == (2_500, 1_000)
    assert parsed.errors[0].line == 3
    assert parsed.errors[-1].line == 2_001


def test_rejects_file_has_every_reject_with_its_original_row(tmp_path: Path) -> None:
    parsed = read_partner_center_file(fixture_path("row_errors.csv"), max_errors_kept=2)
    out = tmp_path / "rejects.csv"
    assert write_rejects(parsed, out) == 10
    with out.open(encoding="utf-8", newline="") as stream:
        rejects = list(csv.DictReader(stream))
    assert [(r["reject_line"], r["reject_column"], r["reject_reason"]) for r in rejects] == [
        (str(line), column, reason.value) for line, column, _, reason in EXPECTED
    ]
    with fixture_path("row_errors.csv").open(encoding="utf-8", newline="") as stream:
        original = list(csv.DictReader(stream))
    assert {key: value for key, value in rejects[3].items() if not key.startswith("reject_")} == original[2]


def test_rejects_keep_the_header_as_written(tmp_path: Path, recon_file: FileBuilder) -> None:
    parsed = read_partner_center_file(fixture_path("recon_aliases_case.csv"))
    out = tmp_path / "none.csv"
    assert write_rejects(parsed, out) == 0
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:5] == ["reject_line", "reject_column", "reject_reason", "PromotionID", "ReferenceID"]
    assert header[-2:] == ["PartnerNotes", "Export Batch"]
