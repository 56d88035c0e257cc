"""Business-time arithmetic on a `BusinessCalendar`: opening checks, adding and measuring business time.

Every function takes timezone-aware datetimes (any UTC offset) and returns UTC datetimes. Opening intervals
are local wall-clock times; each boundary resolves to the first instant the local clocks show it (the jump
instant for a skipped time), so on a DST change day an interval lasts the real time between its boundaries.
An interval is open from its start (inclusive) to its end (exclusive).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from cspdesk.support.sla.business_calendar import MINUTES_PER_DAY, BusinessCalendar
from cspdesk.support.sla.wall_clock import first_instant_at, is_plain_wall_time, utc_offset_at, wall_time

_ZERO = timedelta()
_ONE_MINUTE = timedelta(minutes=1)
_ONE_DAY = timedelta(days=1)
_DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class _Span:
    """One opening interval as UTC instants, start inclusive, end exclusive."""

    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def overlap(self, start: datetime, end: datetime) -> timedelta:
        return max(min(self.end, end) - max(self.start, start), _ZERO)


@dataclass(frozen=True)
class _Week:
    """Seven local days from a Monday: the UTC instants bounding them and the business time inside."""

    monday: date
    start: datetime
    end: datetime
    open_time: timedelta
    # Set when every boundary of the week resolves with this one UTC offset (no DST change, no holiday).
    uniform_offset: timedelta | None

    @property
    def next_monday(self) -> date:
        return self.monday + _DAYS_PER_WEEK * _ONE_DAY


def aware_utc(value: datetime, name: str) -> datetime:
    """Return a timezone-aware datetime converted to UTC; reject naive datetimes."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def is_open(calendar: BusinessCalendar, at: datetime) -> bool:
    """Whether the calendar is open at an instant (opening instants are open, closing instants are not)."""
    at = aware_utc(at, "at")
    return next_open(calendar, at) == at


def next_open(calendar: BusinessCalendar, at: datetime) -> datetime:
    """The instant itself if the calendar is open then, otherwise the next opening instant."""
    at = aware_utc(at, "at")
    week = _week_containing(calendar, at)
    while True:
        first_span = next(_spans_from(calendar, week, at), None)
        if first_span is not None:
            return first_span.start
        week = _week(calendar, week.next_monday)


def add_business_minutes(calendar: BusinessCalendar, start: datetime, minutes: int) -> datetime:
    """The instant `minutes` business minutes after `start`, counting from the next opening if it is closed.

    An exact fit ends at the closing instant of the last interval used; zero minutes gives `next_open(start)`.
    """
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    return add_business_time(calendar, start, minutes * _ONE_MINUTE)


def add_business_time(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """Like `add_business_minutes`, for a business duration of any precision."""
    start = aware_utc(start, "start")
    if duration < _ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    if duration == _ZERO:
        return next_open(calendar, start)
    remaining = duration
    week = _week_containing(calendar, start)
    while True:
        # Skip whole weeks by their total; an exact fit goes to the span loop so it ends at a closing instant.
        if week.start >= start and week.open_time < remaining:
            remaining -= week.open_time
        else:
            for span in _spans_from(calendar, week, start):
                if remaining <= span.length:
                    return span.start + remaining
                remaining -= span.length
        week = _week(calendar, week.next_monday)


def business_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Exact business time from `start` to `end` (microsecond precision)."""
    start, end = aware_utc(start, "start"), aware_utc(end, "end")
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    total = _ZERO
    week = _week_containing(calendar, start)
    while week.start < end:
        if start <= week.start and week.end <= end:
            total += week.open_time
        else:
            total += sum((span.overlap(start, end) for span in _week_spans(calendar, week)), _ZERO)
        week = _week(calendar, week.next_monday)
    return total


def business_minutes_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Whole business minutes from `start` to `end`, rounded down (a started minute does not count)."""
    return business_time_between(calendar, start, end) // _ONE_MINUTE


def _week_containing(calendar: BusinessCalendar, instant: datetime) -> _Week:
    local_day = instant.astimezone(calendar.zone).date()
    return _week(calendar, local_day - local_day.weekday() * _ONE_DAY)


@lru_cache(maxsize=4096)
def _week(calendar: BusinessCalendar, monday: date) -> _Week:
    # Cached (calendars compare by value): the offset checks of a week cost most of an SLA computation, and
    # the tickets of a desk fall into the same few weeks.
    offset = _uniform_offset(calendar, monday)
    if offset is not None:
        return _Week(
            monday=monday,
            start=_at_offset(wall_time(monday, 0), offset),
            end=_at_offset(wall_time(monday, _DAYS_PER_WEEK * MINUTES_PER_DAY), offset),
            open_time=calendar.weekly_open_time,
            uniform_offset=offset,
        )
    spans = [span for day in _week_days(monday) for span in _day_spans(calendar, day)]
    return _Week(
        monday=monday,
        start=first_instant_at(calendar.zone, wall_time(monday, 0)),
        end=first_instant_at(calendar.zone, wall_time(monday, _DAYS_PER_WEEK * MINUTES_PER_DAY)),
        open_time=sum((span.length for span in spans), _ZERO),
        uniform_offset=None,
    )


def _uniform_offset(calendar: BusinessCalendar, monday: date) -> timedelta | None:
    """The week's UTC offset if every boundary in it resolves with that offset and no day is a holiday.

    Then each interval lasts exactly its nominal length, so the week holds `weekly_open_time`.
    """
    days = _week_days(monday)
    if any(day in calendar.holidays for day in days):
        return None
    boundaries = [wall_time(monday, 0), wall_time(monday, _DAYS_PER_WEEK * MINUTES_PER_DAY)]
    boundaries += [
        wall_time(day, minute)
        for day in days
        for interval in calendar.hours_on(day)
        for minute in (interval.start_minute, interval.end_minute)
    ]
    offset = utc_offset_at(calendar.zone, boundaries[0])
    if all(is_plain_wall_time(calendar.zone, boundary, offset) for boundary in boundaries):
        return offset
    return None


def _spans_from(calendar: BusinessCalendar, week: _Week, instant: datetime) -> Iterator[_Span]:
    """The week's spans from `instant` on, the one containing it cut to start there."""
    if week.end <= instant:
        return
    for span in _week_spans(calendar, week):
        if span.end > instant:
            yield _Span(max(span.start, instant), span.end)


@lru_cache(maxsize=4096)
def _week_spans(calendar: BusinessCalendar, week: _Week) -> tuple[_Span, ...]:
    spans: list[_Span] = []
    for day in _week_days(week.monday):
        if week.uniform_offset is None:
            spans += _day_spans(calendar, day)
        else:
            spans += _day_spans_at_offset(calendar, day, week.uniform_offset)
    return tuple(spans)


def _day_spans(calendar: BusinessCalendar, day: date) -> list[_Span]:
    spans = [
        _Span(
            first_instant_at(calendar.zone, wall_time(day, interval.start_minute)),
            first_instant_at(calendar.zone, wall_time(day, interval.end_minute)),
        )
        for interval in calendar.hours_on(day)
    ]
    # A boundary skipped by a spring-forward jump can make an interval last no time at all.
    return [span for span in spans if span.end > span.start]


def _day_spans_at_offset(calendar: BusinessCalendar, day: date, offset: timedelta) -> list[_Span]:
    return [
        _Span(
            _at_offset(wall_time(day, interval.start_minute), offset),
            _at_offset(wall_time(day, interval.end_minute), offset),
        )
        for interval in calendar.hours_on(day)
    ]


def _week_days(monday: date) -> list[date]:
    return [monday + day * _ONE_DAY for day in range(_DAYS_PER_WEEK)]


def _at_offset(wall: datetime, offset: timedelta) -> datetime:
    return (wall - offset).replace(tzinfo=UTC)
