"""Stable identities: a file's content fingerprint and a per-row key for idempotent re-import.

The row key hashes the row's normalised values by column name, so it does not change when Partner Center
re-exports the same lines in another column order, at other line numbers, or with numbers written differently
(120.96 and 120.960). Extra, undocumented columns are left out so a re-export with a new column keeps its keys.
Identical lines within one file get distinct keys through their occurrence number among identical lines.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from cspdesk.microsoft.files.header import DATETIME_SUFFIX
from cspdesk.microsoft.files.kinds import KIND_SPECS, ColumnType, FileKind

ROW_KEY = "row_key"
_FIELD_SEPARATOR = "\x1f"
_OCCURRENCE_SEPARATOR = "\x1e"
_NORMALISED = "__normalised"


def file_fingerprint(path: str | Path) -> str:
    """sha256 (hex) of the file's bytes, read in chunks."""
    with Path(path).open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def row_key_columns(kind: FileKind) -> tuple[str, ...]:
    spec = KIND_SPECS[kind]
    names = [column.name for column in spec.columns]
    names += [f"{column.name}{DATETIME_SUFFIX}" for column in spec.columns if column.type is ColumnType.DATE]
    return tuple(sorted(names))


def with_row_keys(rows: pl.LazyFrame, kind: FileKind) -> pl.LazyFrame:
    """Add `row_key` (sha256 hex) to typed rows from ParsedFile.valid_rows(); meant for recon and legacy files."""
    occurrence = pl.int_range(pl.len()).over(_NORMALISED).cast(pl.String)
    keyed = pl.concat_str([pl.col(_NORMALISED), occurrence], separator=_OCCURRENCE_SEPARATOR)
    return (
        rows.with_columns(_normalised_row(kind).alias(_NORMALISED))
        .with_columns(keyed.map_batches(_sha256_hex, return_dtype=pl.String, is_elementwise=True).alias(ROW_KEY))
        .drop(_NORMALISED)
    )


def _normalised_row(kind: FileKind) -> pl.Expr:
    types = {column.name: column.type for column in KIND_SPECS[kind].columns}
    return pl.concat_str(
        [pl.lit(f"{name}=") + _normalised_value(name, types.get(name)) for name in row_key_columns(kind)],
        separator=_FIELD_SEPARATOR,
    )


def _normalised_value(name: str, column_type: ColumnType | None) -> pl.Expr:
    """Text of a typed value, fixed by this module rather than by how Polars prints values."""
    column = pl.col(name)
    if column_type is None:  # the `_at` timestamp next to a date column
        text = column.dt.strftime("%Y-%m-%dT%H:%M:%S")
    elif column_type is ColumnType.DATE:
        text = column.dt.strftime("%Y-%m-%d")
    elif column_type is ColumnType.DECIMAL:
        text = column.cast(pl.String).str.strip_chars_end("0").str.strip_chars_end(".")
    elif column_type is ColumnType.CHARGE_TYPE:  # compared case-insensitively, unknown ones included
        text = column.str.to_lowercase()
    else:
        text = column.str.strip_chars()
    return text.fill_null("")


def _sha256_hex(values: pl.Series) -> pl.Series:
    return pl.Series(
        values.name,
        [hashlib.sha256(value.encode("utf-8")).hexdigest() for value in values],
        dtype=pl.String,
    )
