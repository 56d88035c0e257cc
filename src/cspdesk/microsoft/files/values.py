"""Vectorised parsing and validation of cell text: decimals, dates, currencies, required values.

Numbers never pass through float: Polars parses the text straight into a 128-bit decimal with 18 decimal
places. That conversion rounds silently when a value has more places, so the number of places each value needs
(taking an exponent into account: Microsoft's .NET exports can write 1E-06) is checked first and values needing
more than 18 are rejected instead of rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from cspdesk.kit.money import known_currencies
from cspdesk.microsoft.files.charge_types import normalise_charge_type
from cspdesk.microsoft.files.errors import RowErrorReason
from cspdesk.microsoft.files.header import DATETIME_SUFFIX
from cspdesk.microsoft.files.kinds import ColumnSpec, ColumnType

DECIMAL_SCALE = 18
DECIMAL_DTYPE = pl.Decimal(38, DECIMAL_SCALE)
DATETIME_DTYPE = pl.Datetime("us", "UTC")

# XXX ("no currency") and XTS ("testing") are ISO codes no invoice can be in.
ISO_CURRENCIES: frozenset[str] = known_currencies() - {"XXX", "XTS"}

_DATE_FORMAT = "%m/%d/%Y"
_DATETIME_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")
_MIN_DATE, _MAX_DATE = date(1000, 1, 1), date(9999, 12, 31)
# Cheaper than upper-casing every cell: the usual spellings are looked up as they are.
_CURRENCY_SPELLINGS = sorted({spelling for code in ISO_CURRENCIES for spelling in (code, code.lower(), code.title())})


@dataclass(frozen=True, slots=True)
class Check:
    """One way a cell can fail; `failed` is true on failing rows and never null.

    `screen`, when set, is a cheaper test true on at least every failing row. The first pass over a file counts
    the screen; only when it flags rows is the exact, costlier test run, so clean files pay the cheap price.
    """

    column: str
    reason: RowErrorReason
    failed: pl.Expr
    screen: pl.Expr | None = None


def parse_decimal(raw: pl.Expr) -> pl.Expr:
    return raw.str.to_decimal(scale=DECIMAL_SCALE)


def decimal_places_needed(raw: pl.Expr) -> pl.Expr:
    """Digits after the point once any exponent is applied: '1.5E-3' needs 4, '120.96' needs 2."""
    exponent_at = raw.str.find("[eE]").cast(pl.Int64)
    point_at = raw.str.find(".", literal=True).cast(pl.Int64)
    mantissa_end = pl.coalesce(exponent_at, raw.str.len_bytes().cast(pl.Int64))
    fraction_digits = pl.when(point_at.is_null()).then(0).otherwise(mantissa_end - point_at - 1)
    exponent = raw.str.slice(exponent_at + 1).str.to_integer(strict=False).fill_null(0)
    return fraction_digits - exponent


def parse_datetime(raw: pl.Expr) -> pl.Expr:
    """The timestamp (UTC) when the text carries a time, otherwise null."""
    attempts = [raw.str.to_datetime(fmt, time_unit="us", strict=False) for fmt in _DATETIME_FORMATS]
    return pl.coalesce(attempts).dt.replace_time_zone("UTC")


def _plausible(day: pl.Expr) -> pl.Expr:
    # chrono's %Y also reads '24' as year 24; a four-digit year rules out such two-digit years.
    return day.is_between(_MIN_DATE, _MAX_DATE)


def parse_date(raw: pl.Expr) -> pl.Expr:
    parsed = pl.coalesce(raw.str.to_date(_DATE_FORMAT, strict=False), parse_datetime(raw).dt.date())
    return pl.when(_plausible(parsed)).then(parsed)


def _is_plausible_date_only(raw: pl.Expr) -> pl.Expr:
    return _plausible(raw.str.to_date(_DATE_FORMAT, strict=False)).fill_null(False)


def normalise_currency(raw: pl.Expr) -> pl.Expr:
    return raw.str.to_uppercase()


def column_checks(column: ColumnSpec) -> list[Check]:
    """The checks of one column, mutually exclusive so a cell reports one reason."""
    raw = pl.col(column.name)
    checks = []
    if column.value_required:
        checks.append(Check(column.name, RowErrorReason.MISSING_VALUE, raw.is_null()))
    checks.extend(_type_checks(column.name, column.type, raw))
    return checks


def _type_checks(name: str, column_type: ColumnType, raw: pl.Expr) -> list[Check]:
    present = raw.is_not_null()
    if column_type is ColumnType.DECIMAL:
        unparsable = present & parse_decimal(raw).is_null()
        too_precise = present & ~unparsable & (decimal_places_needed(raw) > DECIMAL_SCALE)
        # A plain number needing 19+ places is 20+ characters long (length is free to read, unlike the position
        # of the point); an exponent can need any number of places.
        maybe_too_precise = present & ((raw.str.len_bytes() >= 20) | raw.str.contains("[eE]"))
        return [
            Check(name, RowErrorReason.BAD_NUMBER, unparsable),
            Check(name, RowErrorReason.TOO_MANY_DECIMALS, too_precise, screen=maybe_too_precise),
        ]
    if column_type is ColumnType.DATE:
        bad = present & parse_date(raw).is_null()
        return [Check(name, RowErrorReason.BAD_DATE, bad, screen=present & ~_is_plausible_date_only(raw))]
    if column_type is ColumnType.CURRENCY:
        known = raw.is_in(_CURRENCY_SPELLINGS).fill_null(False)
        return [Check(name, RowErrorReason.UNKNOWN_CURRENCY, present & ~known)]
    return []


def typed_columns(column: ColumnSpec) -> list[pl.Expr]:
    """Output expressions for a column present in the file (valid rows only)."""
    raw = pl.col(column.name)
    if column.type is ColumnType.DECIMAL:
        return [parse_decimal(raw).alias(column.name)]
    if column.type is ColumnType.DATE:
        return [
            parse_date(raw).alias(column.name),
            parse_datetime(raw).alias(f"{column.name}{DATETIME_SUFFIX}"),
        ]
    if column.type is ColumnType.CURRENCY:
        return [normalise_currency(raw).alias(column.name)]
    if column.type is ColumnType.CHARGE_TYPE:
        return [normalise_charge_type(raw).alias(column.name)]
    return [raw]


def null_columns(column: ColumnSpec) -> list[pl.Expr]:
    """Typed nulls for an optional column the file does not have, so every file of a kind has one schema."""
    if column.type is ColumnType.DECIMAL:
        return [pl.lit(None, DECIMAL_DTYPE).alias(column.name)]
    if column.type is ColumnType.DATE:
        return [
            pl.lit(None, pl.Date).alias(column.name),
            pl.lit(None, DATETIME_DTYPE).alias(f"{column.name}{DATETIME_SUFFIX}"),
        ]
    return [pl.lit(None, pl.String).alias(column.name)]
