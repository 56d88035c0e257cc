"""Billing periods are calendar months written YYYY-MM."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from cspdesk.kit.errors import ValidationFailed, field_error

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str) -> tuple[date, date]:
    """First and last day of the month named by 'YYYY-MM'."""
    match = _PERIOD.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed(f"bad period {text!r}", details=[field_error("period", "use YYYY-MM, e.g. 2026-10")])
    year, month = int(match.group(1)), int(match.group(2))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def next_period(period: str) -> str:
    _, end = parse_period(period)
    return (end + timedelta(days=1)).strftime("%Y-%m")


def period_of(day: date) -> str:
    return day.strftime("%Y-%m")


def add_months(day: date, months: int) -> date:
    """The same day-of-month `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))
