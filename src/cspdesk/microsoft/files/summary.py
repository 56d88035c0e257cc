"""The one streaming pass that describes a file: rows, blank lines, failed checks and currency totals.

Checks with a cheap screen (decimal places, dates with a time) are counted by the screen first; only when a
screen flags rows is the file read a second time with the exact test for those checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from cspdesk.microsoft.files.errors import PartnerCenterFileError, RowErrorReason
from cspdesk.microsoft.files.scan import ScanPlan, check_flag
from cspdesk.microsoft.files.structure import OVERFLOW, ROW_INDEX, physical_line_count
from cspdesk.microsoft.files.values import parse_decimal

ErrorExplainer = Callable[[pl.exceptions.PolarsError], PartnerCenterFileError]
"""Turns the CSV reader's refusal into a precise file error."""

_CURRENCY = "__currency"


@dataclass(frozen=True, slots=True)
class FileSummary:
    records: int
    blank_lines: int
    first_repeated_row: int | None
    first_overflow_row: int | None
    valid_rows: int
    check_failures: tuple[int, ...]
    totals: dict[str, dict[str, Decimal]]

    @property
    def error_count(self) -> int:
        return sum(self.check_failures)

    def error_counts(self, plan: ScanPlan) -> dict[tuple[str, RowErrorReason], int]:
        return {
            (plan.header.source_name(check.column), check.reason): count
            for check, count in zip(plan.checks, self.check_failures, strict=True)
            if count
        }


_DATA, _VALID, _BLANK, _REPEATED = "__data", "__valid", "__blank", "__repeated"


def _summary_query(plan: ScanPlan) -> pl.LazyFrame:
    flags = plan.raw().with_columns(
        plan.is_blank().alias(_BLANK),
        plan.is_repeated_header().alias(_REPEATED),
        *plan.failed_flags(),
    )
    any_failed = pl.any_horizontal([check_flag(i) for i in range(len(plan.checks))] or [pl.lit(False)])
    is_data = ~pl.col(_BLANK) & ~pl.col(_REPEATED)
    flags = flags.with_columns(is_data.alias(_DATA)).with_columns((pl.col(_DATA) & ~any_failed).alias(_VALID))
    aggregations = [
        pl.len().alias("records"),
        pl.col(_BLANK).sum().alias("blank_lines"),
        pl.col(ROW_INDEX).filter(pl.col(_REPEATED)).min().alias("first_repeated_row"),
        pl.col(ROW_INDEX).filter(pl.col(OVERFLOW).is_not_null()).min().alias("first_overflow_row"),
        pl.col(_VALID).sum().alias("valid_rows"),
        *[(pl.col(check_flag(i)) & pl.col(_DATA)).sum().alias(check_flag(i)) for i in range(len(plan.checks))],
        *[parse_decimal(pl.col(name)).filter(pl.col(_VALID)).sum().alias(name) for name in plan.spec.amount_columns],
    ]
    return flags.group_by(pl.col(plan.spec.currency_column).alias(_CURRENCY)).agg(aggregations)


def screen_then_summarise(plan: ScanPlan, on_error: ErrorExplainer) -> tuple[ScanPlan, FileSummary, int]:
    """Count problems with the cheap screens; re-count exactly only the checks whose screen flagged rows."""
    screened, physical_lines = _summarise(plan, on_error)
    flagged = frozenset(
        index for index, check in enumerate(plan.checks) if check.screen is not None and screened.check_failures[index]
    )
    plan = plan.after_screening(flagged)
    if not flagged:
        return plan, screened, physical_lines
    exact, _ = _summarise(plan, on_error)
    return plan, exact, physical_lines


def _summarise(plan: ScanPlan, on_error: ErrorExplainer) -> tuple[FileSummary, int]:
    # Two collects: pl.collect_all ran this pair about twice as slowly.
    try:
        groups = _summary_query(plan).collect(engine="streaming")
        lines = physical_line_count(plan.path).collect(engine="streaming")
    except pl.exceptions.PolarsError as error:
        raise on_error(error) from error
    summary = FileSummary(
        records=int(groups["records"].sum()),
        blank_lines=int(groups["blank_lines"].sum()),
        first_repeated_row=_smallest(groups, "first_repeated_row"),
        first_overflow_row=_smallest(groups, "first_overflow_row"),
        valid_rows=int(groups["valid_rows"].sum()),
        check_failures=tuple(int(groups[check_flag(i)].sum()) for i in range(len(plan.checks))),
        totals=_currency_totals(groups, plan.spec.amount_columns),
    )
    return summary, int(lines["physical_lines"].item())


def _smallest(groups: pl.DataFrame, column: str) -> int | None:
    smallest = groups.select(pl.col(column).min()).item()
    return None if smallest is None else int(smallest)


def _currency_totals(groups: pl.DataFrame, amounts: tuple[str, ...]) -> dict[str, dict[str, Decimal]]:
    totals: dict[str, dict[str, Decimal]] = {}
    for group in groups.filter(pl.col("valid_rows") > 0).iter_rows(named=True):
        currency = str(group[_CURRENCY]).strip().upper()
        sums = totals.setdefault(currency, dict.fromkeys(amounts, Decimal(0)))
        for name in amounts:
            sums[name] += group[name] or Decimal(0)
    return dict(sorted(totals.items()))
