"""Handlers per outbox kind and daily schedules; domains register theirs in `cspdesk.<domain>.tasks`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from cspdesk.jobs.context import JobContext

Handler = Callable[["JobContext"], None]
# A schedule scans for due rows and enqueues one idempotent job per row; it returns how many it enqueued.
ScheduleFn = Callable[[Session, date], int]
H = TypeVar("H", bound=Handler)
S = TypeVar("S", bound=ScheduleFn)


@dataclass(frozen=True)
class Schedule:
    """A daily job: runs once per local day at `at` in `timezone` (None: the settings' daily run time/zone)."""

    name: str
    run: ScheduleFn
    at: time | None = None
    timezone: str | None = None


_HANDLERS: dict[str, Handler] = {}
_SCHEDULES: dict[str, Schedule] = {}
_discovered = False


def handler(kind: str) -> Callable[[H], H]:
    """Register the function that carries out outbox messages of `kind`."""

    def register(func: H) -> H:
        existing = _HANDLERS.get(kind)
        if existing is not None and existing is not func:
            raise ValueError(f"a handler for {kind!r} is already registered")
        _HANDLERS[kind] = func
        return func

    return register


def schedule(name: str, *, at: time | None = None, timezone: str | None = None) -> Callable[[S], S]:
    """Register a daily scan that enqueues jobs; the worker runs it once per local day."""

    def register(func: S) -> S:
        _SCHEDULES[name] = Schedule(name, func, at, timezone)
        return func

    return register


def discover() -> None:
    """Import every `cspdesk.<domain>.tasks` module so that its handlers and schedules are registered."""
    global _discovered
    if _discovered:
        return
    from cspdesk.discovery import modules_named

    for _module in modules_named("tasks"):
        pass
    _discovered = True


def handler_for(kind: str) -> Handler | None:
    discover()
    return _HANDLERS.get(kind)


def handlers() -> dict[str, Handler]:
    discover()
    return dict(_HANDLERS)


def schedules() -> list[Schedule]:
    discover()
    return sorted(_SCHEDULES.values(), key=lambda s: s.name)


def unregister_schedule(name: str) -> None:
    """For tests that register a schedule of their own."""
    _SCHEDULES.pop(name, None)
