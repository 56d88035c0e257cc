"""Calendar and instant builders shared by the SLA tests."""

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cspdesk.support.sla import WEEKDAY_NAMES, BusinessCalendar

WORKDAYS = WEEKDAY_NAMES[:5]


def calendar(
    time_zone: str,
    hours: Sequence[str] = ("09:00-18:00",),
    days: Sequence[str] = WORKDAYS,
    holidays: Sequence[str] = (),
) -> BusinessCalendar:
    """A calendar open `hours` on each of `days`, closed on `holidays` (ISO dates)."""
    return BusinessCalendar.from_dict(
        {
            "time_zone": time_zone,
            "weekly_hours": {day: list(hours) for day in days},
            "holidays": list(holidays),
        }
    )


def always_open(time_zone: str, holidays: Sequence[str] = ()) -> BusinessCalendar:
    """A 24x7 calendar."""
    return calendar(time_zone, ("00:00-24:00",), WEEKDAY_NAMES, holidays)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def local(time_zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware local wall time (first occurrence when ambiguous)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(time_zone))
