"""Read a Partner Center CSV file into validated, typed, columnar data.

One streaming pass (Polars, all columns as text) counts rows, rejected cells per column and reason, and the
per-currency totals of valid rows. Only when that pass finds problems does a second pass fetch the first row
errors. Valid rows are returned as a LazyFrame, so a 10-million-row usage file is never held in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import partial
from pathlib import Path

import polars as pl

from cspdesk.microsoft.files.encoding import (
    check_not_empty,
    check_supported_encoding,
    invalid_utf8_error,
)
from cspdesk.microsoft.files.errors import (
    DuplicateHeaderError,
    MalformedCsvError,
    PartnerCenterFileError,
    RowError,
    RowErrorReason,
)
from cspdesk.microsoft.files.header import resolve_header
from cspdesk.microsoft.files.kinds import KIND_SPECS, FileKind, KindSpec, detect_kind
from cspdesk.microsoft.files.scan import ScanPlan, check_flag
from cspdesk.microsoft.files.structure import (
    LINE_NO,
    ROW_INDEX,
    check_last_record,
    diagnose_structure,
    read_header,
    record_starts_by_csv,
    record_starts_by_quote_parity,
)
from cspdesk.microsoft.files.summary import screen_then_summarise

MAX_ERRORS_KEPT = 1000


class ParseStatus(StrEnum):
    OK = "ok"
    HEADER_ONLY = "header_only"
    ROW_ERRORS = "row_errors"


@dataclass(frozen=True, eq=False)
class ParsedFile:
    file_label: str
    path: Path
    kind: FileKind
    source_columns: tuple[str, ...]
    """Header names as written in the file."""
    columns: tuple[str, ...]
    """Header names in file order, canonical for the kind's columns."""
    extra_columns: tuple[str, ...]
    missing_optional_columns: tuple[str, ...]
    row_count: int
    """Data rows, blank lines excluded."""
    valid_row_count: int
    blank_line_count: int
    error_count: int
    """All failed cells in the file; `errors` keeps only the first ones."""
    errors: tuple[RowError, ...]
    error_counts: Mapping[tuple[str, RowErrorReason], int]
    totals_by_currency: Mapping[str, Mapping[str, Decimal]]
    """Sum of each amount column over valid rows, by billing currency."""
    plan: ScanPlan = field(repr=False)

    @property
    def rejected_row_count(self) -> int:
        return self.row_count - self.valid_row_count

    @property
    def status(self) -> ParseStatus:
        if self.row_count == 0:
            return ParseStatus.HEADER_ONLY
        return ParseStatus.ROW_ERRORS if self.error_count else ParseStatus.OK

    def valid_rows(self) -> pl.LazyFrame:
        """Typed valid rows with `line_no`; collect with engine='streaming' or sink for large files."""
        return self.plan.valid_rows()

    def iter_valid_batches(self, batch_size: int = 100_000) -> Iterator[pl.DataFrame]:
        yield from self.valid_rows().collect_batches(chunk_size=batch_size)

    def sum_by(self, *keys: str, amounts: Sequence[str] | None = None) -> pl.DataFrame:
        """Exact sums of amount columns over valid rows, grouped by `keys` (streamed, sorted by keys)."""
        columns = list(amounts or self.plan.spec.amount_columns)
        return (
            self.valid_rows()
            .group_by(list(keys))
            .agg(pl.len().alias("rows"), *[pl.col(column).sum() for column in columns])
            .sort(list(keys))
            .collect(engine="streaming")
        )


def read_partner_center_file(
    path: str | Path,
    kind: FileKind | str = "auto",
    *,
    file_label: str | None = None,
    max_errors_kept: int = MAX_ERRORS_KEPT,
) -> ParsedFile:
    """Validate a Partner Center CSV file and describe it; raises PartnerCenterFileError if unusable."""
    path = Path(path)
    label = file_label or path.name
    check_not_empty(path, label)
    check_supported_encoding(path, label)
    source_names = read_header(path, label)
    spec = _spec_for(kind, source_names, label)
    plan = ScanPlan(path, spec, resolve_header(spec, source_names, label))
    plan, summary, physical_lines = screen_then_summarise(plan, partial(_diagnose, plan, label))
    plan = plan.with_line_map(_line_map(plan, summary.records, physical_lines, label))
    if summary.records:
        check_last_record(path, label, field_count=len(source_names), physical_lines=physical_lines)
    if summary.first_overflow_row is not None:
        raise _overflow_error(plan, summary.first_overflow_row, label)
    if summary.first_repeated_row is not None:
        raise _repeated_header_error(plan, summary.first_repeated_row, label)
    errors = _first_row_errors(plan, label, max_errors_kept) if summary.error_count else ()
    return ParsedFile(
        file_label=label,
        path=path,
        kind=spec.kind,
        source_columns=plan.header.source_names,
        columns=plan.header.names,
        extra_columns=plan.header.extra_names,
        missing_optional_columns=plan.header.missing_optional,
        row_count=summary.records - summary.blank_lines,
        valid_row_count=summary.valid_rows,
        blank_line_count=summary.blank_lines,
        error_count=summary.error_count,
        errors=errors,
        error_counts=summary.error_counts(plan),
        totals_by_currency=summary.totals,
        plan=plan,
    )


def _spec_for(kind: FileKind | str, source_names: Sequence[str], label: str) -> KindSpec:
    if kind == "auto":
        return KIND_SPECS[detect_kind(source_names, file_label=label)]
    return KIND_SPECS[FileKind(kind)]


def _diagnose(plan: ScanPlan, label: str, error: pl.exceptions.PolarsError) -> PartnerCenterFileError:
    found = invalid_utf8_error(plan.path, label, plan.header.source_names) or _diagnose_structure(plan, label)
    return found or MalformedCsvError(label, f"the CSV reader refused the file ({error})")


def _diagnose_structure(plan: ScanPlan, label: str) -> MalformedCsvError | None:
    return diagnose_structure(plan.path, label, field_count=len(plan.header.names))


def _overflow_error(plan: ScanPlan, row_index: int, label: str) -> MalformedCsvError:
    return _diagnose_structure(plan, label) or MalformedCsvError(
        label,
        f"the row has more fields than the header ({len(plan.header.names)})",
        line=_line_of_row(plan, row_index),
    )


def _line_map(plan: ScanPlan, records: int, physical_lines: int, label: str) -> pl.DataFrame | None:
    """None when record i is on line i + 2; otherwise each record's first line (quoted line breaks)."""
    if physical_lines == records + 1:
        return None
    by_parity = record_starts_by_quote_parity(plan.path, label)
    if by_parity is not None and by_parity.height == records:
        return by_parity
    by_csv = record_starts_by_csv(plan.path, label)
    if by_csv.height == records:
        return by_csv
    raise MalformedCsvError(
        label,
        f"cannot tell which line each record starts on ({records} records, {physical_lines} lines); "
        "a stray quote character inside an unquoted value?",
    )


def _line_of_row(plan: ScanPlan, row_index: int) -> int:
    numbered = plan.add_line_numbers(pl.LazyFrame({ROW_INDEX: [row_index]}, schema={ROW_INDEX: pl.UInt32}))
    return int(numbered.collect()[LINE_NO].item())


def _repeated_header_error(plan: ScanPlan, row_index: int, label: str) -> DuplicateHeaderError:
    return DuplicateHeaderError(
        label,
        "duplicate header: the header row is repeated inside the data, as when two exports are "
        "concatenated; split the file at this line and import each part",
        line=_line_of_row(plan, row_index),
    )


def _first_row_errors(plan: ScanPlan, label: str, limit: int) -> tuple[RowError, ...]:
    checked = sorted({check.column for check in plan.checks})
    failing = plan.failing_rows().head(limit).select(ROW_INDEX, *checked, *plan.failed_flags())
    rows = plan.add_line_numbers(failing).sort(LINE_NO).collect(engine="streaming")
    errors = [
        RowError(label, row[LINE_NO], plan.header.source_name(check.column), row[check.column], check.reason)
        for row in rows.iter_rows(named=True)
        for i, check in enumerate(plan.checks)
        if row[check_flag(i)]
    ]
    return tuple(errors[:limit])
