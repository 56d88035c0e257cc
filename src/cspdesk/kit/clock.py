"""One injectable clock so that tests can travel in time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and simulations."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


_clock: Clock = SystemClock()


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock) -> None:
    global _clock
    _clock = clock


def now() -> datetime:
    """The current instant, UTC, from the installed clock."""
    return _clock.now()


def today() -> date:
    """Today's UTC calendar date from the installed clock."""
    return _clock.now().date()


@contextmanager
def frozen_at(at: datetime) -> Iterator[FixedClock]:
    """Install a FixedClock for the duration of the block."""
    previous = _clock
    fixed = FixedClock(at)
    set_clock(fixed)
    try:
        yield fixed
    finally:
        set_clock(previous)
