"""The lazy Polars queries over one file: raw text, row classification, typed valid rows, rejects.

Every query starts from the same scan (all columns as text, canonical names) so the rules that decide whether a
row is valid are written once and give the same answer in the summary, the row errors, the valid rows and the
rejects file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from cspdesk.microsoft.files.header import PRODUCT_FAMILY, PRODUCT_KIND, ResolvedHeader
from cspdesk.microsoft.files.kinds import FileKind, KindSpec, header_spellings
from cspdesk.microsoft.files.products import product_family_expr, product_kind_expr
from cspdesk.microsoft.files.structure import LINE_NO, OVERFLOW, ROW_INDEX
from cspdesk.microsoft.files.values import Check, column_checks, null_columns, typed_columns

REJECT_LINE = "reject_line"
REJECT_COLUMN = "reject_column"
REJECT_REASON = "reject_reason"
_REJECTS = "__rejects"
# The header is line 1, so record i (from 0) starts on line i + 2 when no quoted field spans lines.
_FIRST_DATA_LINE = 2


def check_flag(index: int) -> str:
    return f"__check_{index}"


@dataclass(frozen=True, eq=False)
class ScanPlan:
    path: Path
    spec: KindSpec
    header: ResolvedHeader
    line_map: pl.DataFrame | None = None
    screening: bool = True
    """First pass: screened checks count their cheap screen instead of the exact test."""
    exact_checks: frozenset[int] = frozenset()
    """Screened checks whose screen flagged rows; the others are known to pass everywhere."""
    checks: tuple[Check, ...] = field(init=False)

    def __post_init__(self) -> None:
        present = [self.spec.column(name) for name in self.header.names if name in self.spec.column_names]
        checks = tuple(check for column in present for check in column_checks(column))
        object.__setattr__(self, "checks", checks)

    def with_line_map(self, line_map: pl.DataFrame | None) -> ScanPlan:
        return replace(self, line_map=line_map)

    def after_screening(self, flagged: frozenset[int]) -> ScanPlan:
        return replace(self, screening=False, exact_checks=flagged)

    def failed(self, index: int) -> pl.Expr:
        check = self.checks[index]
        if check.screen is None or index in self.exact_checks:
            return check.failed.fill_null(False)
        return check.screen.fill_null(False) if self.screening else pl.lit(False)

    def failed_flags(self) -> list[pl.Expr]:
        return [self.failed(index).alias(check_flag(index)) for index in range(len(self.checks))]

    def raw(self) -> pl.LazyFrame:
        """Every column as text (blank is null), plus OVERFLOW: non-null on a row with more fields than the header.

        Polars only notices surplus fields when it materialises every column, so one more column is declared
        than the header has, and filled only by such rows.
        """
        schema = dict.fromkeys((*self.header.names, OVERFLOW), pl.String)
        return pl.scan_csv(
            self.path,
            has_header=False,
            skip_rows=1,
            schema=schema,
            missing_columns="insert",
            null_values=[""],
            row_index_name=ROW_INDEX,
            raise_if_empty=False,
        )

    def add_line_numbers(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        if self.line_map is None:
            return frame.with_columns((pl.col(ROW_INDEX).cast(pl.Int64) + _FIRST_DATA_LINE).alias(LINE_NO))
        return frame.join(self.line_map.lazy(), on=ROW_INDEX, how="left", maintain_order="left")

    def is_blank(self) -> pl.Expr:
        """A blank line: Polars reads it as a record whose fields are all null."""
        names = self.header.names
        watched = {names[0], names[-1], *(check.column for check in self.checks)}
        return pl.all_horizontal([pl.col(name).is_null() for name in sorted(watched)])

    def is_repeated_header(self) -> pl.Expr:
        """A copy of the header row inside the data, as left by concatenating two exports."""
        probes = ("CustomerId", self.spec.currency_column)
        return pl.all_horizontal(
            [
                pl.col(name).is_in(sorted(header_spellings(name) | {self.header.source_name(name)})).fill_null(False)
                for name in probes
            ]
        )

    def is_data(self) -> pl.Expr:
        return ~self.is_blank() & ~self.is_repeated_header()

    def any_check_failed(self) -> pl.Expr:
        if not self.checks:
            return pl.lit(False)
        return pl.any_horizontal([self.failed(index) for index in range(len(self.checks))])

    def is_valid(self) -> pl.Expr:
        return self.is_data() & ~self.any_check_failed()

    def valid_rows(self) -> pl.LazyFrame:
        frame = self.add_line_numbers(self.raw().filter(self.is_valid()))
        frame = frame.select(pl.col(LINE_NO), *self._typed_columns(), *self.header.extra_names)
        if self.spec.kind is FileKind.NCE_RECON:
            frame = frame.with_columns(product_kind_expr().alias(PRODUCT_KIND)).with_columns(
                product_family_expr(PRODUCT_KIND).alias(PRODUCT_FAMILY)
            )
        return frame

    def _typed_columns(self) -> list[pl.Expr]:
        present = set(self.header.names)
        return [
            expr
            for column in self.spec.columns
            for expr in (typed_columns(column) if column.name in present else null_columns(column))
        ]

    def failing_rows(self) -> pl.LazyFrame:
        return self.raw().filter(self.is_data() & self.any_check_failed())

    def rejects(self) -> pl.LazyFrame:
        """One row per failed check: the original columns as written plus line, column and reason."""
        reasons = [
            pl.when(self.failed(index)).then(
                pl.struct(
                    pl.lit(self.header.source_name(check.column)).alias(REJECT_COLUMN),
                    pl.lit(check.reason.value).alias(REJECT_REASON),
                )
            )
            for index, check in enumerate(self.checks)
        ]
        frame = self.failing_rows().with_columns(pl.concat_list(reasons).list.drop_nulls().alias(_REJECTS))
        originals = [
            pl.col(name).alias(source) for name, source in zip(self.header.names, self.header.source_names, strict=True)
        ]
        return (
            self.add_line_numbers(frame)
            .explode(_REJECTS)
            .unnest(_REJECTS)
            .select(pl.col(LINE_NO).alias(REJECT_LINE), REJECT_COLUMN, REJECT_REASON, *originals)
        )
