"""Content fingerprints of files and stable keys of rows, for idempotent re-import."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from cspdesk.microsoft.files import (
    ROW_KEY,
    FileKind,
    file_fingerprint,
    read_partner_center_file,
    with_row_keys,
)
from tests.microsoft.files.helpers import fixture_path, template_row, write_rows


def _keys(path: Path) -> list[str]:
    parsed = read_partner_center_file(path)
    return with_row_keys(parsed.valid_rows(), parsed.kind).collect()[ROW_KEY].to_list()


def test_file_fingerprint_is_sha256_of_the_bytes() -> None:
    path = fixture_path("recon_charge_types.csv")
    assert file_fingerprint(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_row_key_is_a_sha256_hex_per_row() -> None:
    keys = _keys(fixture_path("recon_charge_types.csv"))
    assert len(keys) == len(set(keys)) == 18
    assert all(len(key) == 64 and int(key, 16) >= 0 for key in keys)


def _reexport(tmp_path: Path, name: str, *, reverse_columns: bool, reverse_rows: bool, respell: bool) -> Path:
    header, _ = template_row(name)
    rows = [template_row(name, index)[1] for index in range(18 if "charge" in name else 4)]
    columns = list(reversed(header)) if reverse_columns else header
    rows = list(reversed(rows)) if reverse_rows else rows
    if respell:
        rows = [row | {"UnitPrice": row["UnitPrice"] + "0", "ChargeType": row["ChargeType"].upper()} for row in rows]
    return write_rows(tmp_path / f"again-{name}", columns, rows)


def test_same_lines_reexported_get_the_same_keys(tmp_path: Path) -> None:
    for name in ("recon_charge_types.csv", "legacy_small.csv"):
        original = _keys(fixture_path(name))
        again = _keys(_reexport(tmp_path, name, reverse_columns=True, reverse_rows=True, respell=True))
        assert sorted(again) == sorted(original)
        assert again != original


def test_a_changed_value_changes_the_key(tmp_path: Path) -> None:
    header, row = template_row("legacy_small.csv")
    first = _keys(write_rows(tmp_path / "a.csv", header, [row]))
    second = _keys(write_rows(tmp_path / "b.csv", header, [row | {"Quantity": "11"}]))
    assert first != second


def test_identical_lines_in_one_file_get_distinct_stable_keys(tmp_path: Path) -> None:
    header, row = template_row("legacy_small.csv")
    _, other = template_row("legacy_small.csv", 1)
    keys = _keys(write_rows(tmp_path / "twice.csv", header, [row, other, row]))
    assert len(set(keys)) == 3
    again = _keys(write_rows(tmp_path / "twice-again.csv", header, [other, row, row]))
    assert sorted(again) == sorted(keys)


def test_extra_columns_do_not_change_keys(tmp_path: Path) -> None:
    header, row = template_row("legacy_small.csv")
    plain = _keys(write_rows(tmp_path / "plain.csv", header, [row]))
    extra = _keys(write_rows(tmp_path / "extra.csv", [*header, "Notes"], [row | {"Notes": "checked"}]))
    assert plain == extra


def test_keys_work_on_any_typed_frame() -> None:
    parsed = read_partner_center_file(fixture_path("usage_small.csv"))
    keyed = with_row_keys(parsed.valid_rows(), FileKind.DAILY_USAGE).select(pl.col(ROW_KEY).n_unique()).collect()
    assert keyed.item() == 7
