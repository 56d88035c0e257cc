"""Business-hours calendars of support plans, with their JSON-compatible dict form."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MINUTES_PER_DAY = 24 * 60

_INTERVAL_PATTERN = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")
_CALENDAR_KEYS = frozenset({"time_zone", "weekly_hours", "holidays"})


class CalendarError(ValueError):
    """A business calendar definition is invalid."""


class CalendarDict(TypedDict):
    """The JSON-compatible form of a `BusinessCalendar`, as produced by `BusinessCalendar.to_dict`."""

    time_zone: str
    weekly_hours: dict[str, list[str]]
    holidays: list[str]


@dataclass(frozen=True, order=True)
class OpeningInterval:
    """Local wall-clock opening hours within one day, as minutes after local midnight (end up to 24:00)."""

    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < MINUTES_PER_DAY:
            raise CalendarError(f"interval {self}: start must be between 00:00 and 23:59")
        if self.end_minute > MINUTES_PER_DAY:
            raise CalendarError(f"interval {self}: end must not be after 24:00")
        if self.end_minute <= self.start_minute:
            raise CalendarError(f"interval {self}: end must be after start")

    @classmethod
    def parse(cls, text: str) -> OpeningInterval:
        """Parse the `HH:MM-HH:MM` form, e.g. `09:00-18:00` or `00:00-24:00`."""
        match = _INTERVAL_PATTERN.fullmatch(text)
        if match is None:
            raise CalendarError(f"interval {text!r}: expected the form 'HH:MM-HH:MM'")
        start_hour, start_minute, end_hour, end_minute = (int(part) for part in match.groups())
        if start_minute >= 60 or end_minute >= 60:
            raise CalendarError(f"interval {text!r}: minutes must be between 00 and 59")
        return cls(start_hour * 60 + start_minute, end_hour * 60 + end_minute)

    @property
    def duration(self) -> timedelta:
        """Nominal wall-clock length, ignoring any UTC offset change on the day."""
        return timedelta(minutes=self.end_minute - self.start_minute)

    def __str__(self) -> str:
        return f"{_format_minute(self.start_minute)}-{_format_minute(self.end_minute)}"


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours in an IANA time zone, minus whole-day local holidays.

    `weekly_hours` has seven entries, Monday first (as `date.weekday()`); an empty entry is a closed day.
    """

    time_zone: str
    weekly_hours: tuple[tuple[OpeningInterval, ...], ...]
    holidays: frozenset[date] = frozenset()
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    weekly_open_time: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", _load_zone(self.time_zone))
        object.__setattr__(self, "weekly_hours", _validated_week(self.weekly_hours))
        object.__setattr__(self, "holidays", _validated_holidays(self.holidays))
        object.__setattr__(self, "weekly_open_time", _total_duration(self.weekly_hours))

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> BusinessCalendar:
        """Build a calendar from its dict form (see `CalendarDict`); weekdays left out are closed."""
        unknown_keys = set(data) - _CALENDAR_KEYS
        if unknown_keys:
            raise CalendarError(f"unknown calendar keys: {', '.join(sorted(unknown_keys))}")
        time_zone = data.get("time_zone")
        if not isinstance(time_zone, str):
            raise CalendarError("time_zone must be an IANA time zone name such as 'Europe/Berlin'")
        return cls(
            time_zone=time_zone,
            weekly_hours=_parse_weekly_hours(data.get("weekly_hours", {})),
            holidays=_parse_holidays(data.get("holidays", [])),
        )

    def to_dict(self) -> CalendarDict:
        """Return the JSON-compatible dict form, listing every weekday and holidays in date order."""
        return {
            "time_zone": self.time_zone,
            "weekly_hours": {
                name: [str(interval) for interval in day]
                for name, day in zip(WEEKDAY_NAMES, self.weekly_hours, strict=True)
            },
            "holidays": [holiday.isoformat() for holiday in sorted(self.holidays)],
        }

    def hours_on(self, day: date) -> tuple[OpeningInterval, ...]:
        """Opening intervals of a local date: none on holidays, else the weekday's hours."""
        if day in self.holidays:
            return ()
        return self.weekly_hours[day.weekday()]


def _load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    # A directory name such as "Europe" raises IsADirectoryError, a malformed key ValueError.
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise CalendarError(f"unknown time zone {name!r}") from error


def _validated_week(week: Sequence[Iterable[OpeningInterval]]) -> tuple[tuple[OpeningInterval, ...], ...]:
    if len(week) != len(WEEKDAY_NAMES):
        raise CalendarError(f"weekly_hours must have 7 days, Monday first; got {len(week)}")
    validated = tuple(_validated_day(name, day) for name, day in zip(WEEKDAY_NAMES, week, strict=True))
    if not any(validated):
        raise CalendarError("weekly_hours has no opening interval on any day")
    return validated


def _validated_day(name: str, intervals: Iterable[OpeningInterval]) -> tuple[OpeningInterval, ...]:
    ordered = tuple(sorted(intervals))
    for earlier, later in itertools.pairwise(ordered):
        if later.start_minute < earlier.end_minute:
            raise CalendarError(f"{name}: intervals {earlier} and {later} overlap")
    return ordered


def _validated_holidays(holidays: Iterable[date]) -> frozenset[date]:
    # datetime is a subclass of date, and a datetime here would never equal a local date.
    for holiday in holidays:
        if isinstance(holiday, datetime) or not isinstance(holiday, date):
            raise CalendarError(f"holiday {holiday!r} must be a date")
    return frozenset(holidays)


def _total_duration(week: Iterable[Iterable[OpeningInterval]]) -> timedelta:
    return sum((interval.duration for day in week for interval in day), timedelta())


def _parse_weekly_hours(raw: object) -> tuple[tuple[OpeningInterval, ...], ...]:
    if not isinstance(raw, Mapping):
        raise CalendarError("weekly_hours must map weekday names to lists of 'HH:MM-HH:MM' intervals")
    unknown_days = set(raw) - set(WEEKDAY_NAMES)
    if unknown_days:
        raise CalendarError(f"unknown weekday names: {', '.join(sorted(map(str, unknown_days)))}")
    return tuple(_parse_day(name, raw.get(name, [])) for name in WEEKDAY_NAMES)


def _parse_day(name: str, raw: object) -> tuple[OpeningInterval, ...]:
    if not isinstance(raw, list) or not all(isinstance(text, str) for text in raw):
        raise CalendarError(f"{name}: expected a list of 'HH:MM-HH:MM' strings")
    try:
        return tuple(OpeningInterval.parse(text) for text in raw)
    except CalendarError as error:
        raise CalendarError(f"{name}: {error}") from error


def _parse_holidays(raw: object) -> frozenset[date]:
    if not isinstance(raw, list):
        raise CalendarError("holidays must be a list of 'YYYY-MM-DD' dates")
    return frozenset(_parse_holiday(text) for text in raw)


def _parse_holiday(raw: object) -> date:
    if not isinstance(raw, str):
        raise CalendarError(f"holiday {raw!r}: expected a 'YYYY-MM-DD' string")
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise CalendarError(f"holiday {raw!r}: expected a 'YYYY-MM-DD' date") from error


def _format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
