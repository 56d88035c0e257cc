"""Mapping naive local wall-clock times of a time zone to UTC instants, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_ONE_SECOND = timedelta(seconds=1)


def wall_time(day: date, minute: int) -> datetime:
    """Naive local wall time `minute` minutes after the midnight that starts `day` (1440: next midnight)."""
    return datetime.combine(day, time()) + timedelta(minutes=minute)


def local_wall_time(zone: ZoneInfo, instant: datetime) -> datetime:
    """Naive wall time the zone's clocks show at an aware instant."""
    return instant.astimezone(zone).replace(tzinfo=None)


def first_instant_at(zone: ZoneInfo, wall: datetime) -> datetime:
    """First UTC instant at which the zone's clocks show `wall` or later.

    An ambiguous wall time resolves to its first occurrence, a skipped one to the instant the clocks jump.
    """
    first_occurrence = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if local_wall_time(zone, first_occurrence) == wall:
        return first_occurrence
    # In a gap the two folds apply the offsets before and after the jump, so they bracket it.
    other_reading = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = sorted((first_occurrence, other_reading))
    return _first_instant_showing_at_least(zone, wall, low, high)


def utc_offset_at(zone: ZoneInfo, wall: datetime) -> timedelta:
    """UTC offset that applies at the first occurrence of a naive wall time."""
    offset = wall.replace(tzinfo=zone, fold=0).utcoffset()
    assert offset is not None, "ZoneInfo always knows its offset"
    return offset


def is_plain_wall_time(zone: ZoneInfo, wall: datetime, offset: timedelta) -> bool:
    """Whether `wall` is first shown exactly at `wall - offset` UTC, so it resolves with that offset."""
    local = (wall - offset).replace(tzinfo=UTC).astimezone(zone)
    return local.fold == 0 and local.replace(tzinfo=None) == wall


def _first_instant_showing_at_least(zone: ZoneInfo, wall: datetime, low: datetime, high: datetime) -> datetime:
    # Transitions happen on whole UTC seconds and `low` lies on a whole second, so bisecting
    # whole seconds lands exactly on the jump.
    low_seconds, high_seconds = 0, (high - low) // _ONE_SECOND
    while high_seconds - low_seconds > 1:
        middle = (low_seconds + high_seconds) // 2
        if local_wall_time(zone, low + middle * _ONE_SECOND) >= wall:
            high_seconds = middle
        else:
            low_seconds = middle
    return low + high_seconds * _ONE_SECOND
