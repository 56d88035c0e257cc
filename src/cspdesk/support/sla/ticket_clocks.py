"""SLA clocks of a ticket, replayed from its events on the support plan's business calendar.

All clocks count business time. The partner's clocks (first response and resolution) run while the ticket is
`new` or `open`; they pause while it is `pending_customer` or `pending_microsoft`, stop when it is `resolved`
or `closed`, and resume when it is reopened. While `pending_microsoft` a separate Microsoft clock runs, which
is reported but never counted against the partner's targets. The first-response clock also stops for good at
the first public agent reply.

A target runs out at the earliest instant its clock has counted the target's business minutes (its due
instant). The clock is breached when it has been running at any instant after that, in wall-clock time: a
reply or resolution exactly at the due instant meets the target, and a due instant at a closing time is
breached during the closed hours that follow if the ticket still waits for the partner.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from cspdesk.support.sla.business_calendar import BusinessCalendar
from cspdesk.support.sla.business_time import add_business_time, aware_utc, business_time_between

_ZERO = timedelta()
_ONE_MINUTE = timedelta(minutes=1)


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    PENDING_MICROSOFT = "pending_microsoft"
    RESOLVED = "resolved"
    CLOSED = "closed"


class EventKind(StrEnum):
    CREATED = "created"
    FIRST_PUBLIC_REPLY_BY_AGENT = "first_public_reply_by_agent"
    STATUS_CHANGED = "status_changed"
    REOPENED = "reopened"


PARTNER_STATUSES = frozenset({TicketStatus.NEW, TicketStatus.OPEN})
PAUSED_STATUSES = frozenset({TicketStatus.PENDING_CUSTOMER, TicketStatus.PENDING_MICROSOFT})


@dataclass(frozen=True)
class TicketEvent:
    """Something that happened to a ticket; `to_status` is set exactly for `status_changed` events."""

    at: datetime
    kind: EventKind
    to_status: TicketStatus | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", aware_utc(self.at, "event time"))
        if (self.kind is EventKind.STATUS_CHANGED) != (self.to_status is not None):
            raise ValueError(f"{self.kind} event: to_status must be given exactly for status_changed events")

    @classmethod
    def created(cls, at: datetime) -> TicketEvent:
        return cls(at, EventKind.CREATED)

    @classmethod
    def first_public_reply_by_agent(cls, at: datetime) -> TicketEvent:
        return cls(at, EventKind.FIRST_PUBLIC_REPLY_BY_AGENT)

    @classmethod
    def status_changed(cls, at: datetime, to: TicketStatus) -> TicketEvent:
        return cls(at, EventKind.STATUS_CHANGED, to)

    @classmethod
    def reopened(cls, at: datetime) -> TicketEvent:
        return cls(at, EventKind.REOPENED)


@dataclass(frozen=True)
class SlaTargets:
    """Business-minute targets for a ticket's severity."""

    first_response_minutes: int
    resolution_minutes: int

    def __post_init__(self) -> None:
        if self.first_response_minutes <= 0 or self.resolution_minutes <= 0:
            raise ValueError(f"SLA targets must be positive minutes, got {self}")


@dataclass(frozen=True)
class SlaState:
    """The SLA clocks of a ticket as of `evaluated_at`; durations are business time.

    A due instant is None while its clock is not running and has not run out; `*_remaining` then tells how
    much business time is left. Minute properties round elapsed time down and remaining time up.
    """

    evaluated_at: datetime
    status: TicketStatus
    paused: bool
    first_response_running: bool
    first_response_due_at: datetime | None
    first_response_elapsed: timedelta
    first_response_remaining: timedelta
    first_response_met: bool | None
    first_response_breached: bool
    resolution_running: bool
    resolution_due_at: datetime | None
    resolution_remaining: timedelta
    resolution_breached: bool
    partner_elapsed: timedelta
    microsoft_elapsed: timedelta

    @property
    def first_response_remaining_minutes(self) -> int:
        return _whole_minutes_rounded_up(self.first_response_remaining)

    @property
    def resolution_remaining_minutes(self) -> int:
        return _whole_minutes_rounded_up(self.resolution_remaining)

    @property
    def partner_elapsed_minutes(self) -> int:
        return self.partner_elapsed // _ONE_MINUTE

    @property
    def microsoft_elapsed_minutes(self) -> int:
        return self.microsoft_elapsed // _ONE_MINUTE

    def breaching_within(self, minutes: int) -> bool:
        """Whether a running, not yet breached clock has at most `minutes` business minutes left.

        Business minutes, not wall-clock ones: 30 minutes left on Friday evening warns all weekend.
        """
        limit = minutes * _ONE_MINUTE
        first_response_close = (
            self.first_response_running and not self.first_response_breached and self.first_response_remaining <= limit
        )
        resolution_close = (
            self.resolution_running and not self.resolution_breached and self.resolution_remaining <= limit
        )
        return first_response_close or resolution_close


@dataclass(frozen=True)
class _TicketState:
    status: TicketStatus
    replied: bool

    def after(self, event: TicketEvent) -> _TicketState:
        if event.kind is EventKind.FIRST_PUBLIC_REPLY_BY_AGENT:
            return _TicketState(self.status, replied=True)
        if event.kind is EventKind.REOPENED:
            return _TicketState(TicketStatus.OPEN, self.replied)
        if event.kind is EventKind.STATUS_CHANGED and event.to_status is not None:
            return _TicketState(event.to_status, self.replied)
        raise ValueError(f"unexpected {event.kind} event at {event.at.isoformat()} after creation")

    @property
    def first_response_running(self) -> bool:
        return self.status in PARTNER_STATUSES and not self.replied

    @property
    def resolution_running(self) -> bool:
        return self.status in PARTNER_STATUSES

    @property
    def microsoft_running(self) -> bool:
        return self.status is TicketStatus.PENDING_MICROSOFT


@dataclass(frozen=True)
class _Phase:
    """A stretch of time during which the ticket stayed in one state."""

    start: datetime
    end: datetime
    state: _TicketState


@dataclass(frozen=True)
class _ClockReading:
    elapsed: timedelta
    ran_out_at: datetime | None
    last_running_at: datetime | None

    @property
    def breached(self) -> bool:
        if self.ran_out_at is None or self.last_running_at is None:
            return False
        return self.last_running_at > self.ran_out_at


def compute_sla(
    calendar: BusinessCalendar, targets: SlaTargets, events: Sequence[TicketEvent], now: datetime
) -> SlaState:
    """Replay a ticket's time-ordered events up to `now` (later events are ignored) into its SLA state."""
    now = aware_utc(now, "now")
    phases = _replay(events, now)
    current = phases[-1].state
    first_response_target = targets.first_response_minutes * _ONE_MINUTE
    resolution_target = targets.resolution_minutes * _ONE_MINUTE
    first_response = _read_clock(calendar, phases, lambda state: state.first_response_running, first_response_target)
    resolution = _read_clock(calendar, phases, lambda state: state.resolution_running, resolution_target)
    return SlaState(
        evaluated_at=now,
        status=current.status,
        paused=current.status in PAUSED_STATUSES,
        first_response_running=current.first_response_running,
        first_response_due_at=_due_at(
            calendar, first_response, first_response_target, current.first_response_running, now
        ),
        first_response_elapsed=first_response.elapsed,
        first_response_remaining=max(first_response_target - first_response.elapsed, _ZERO),
        first_response_met=_first_response_met(first_response, replied=current.replied),
        first_response_breached=first_response.breached,
        resolution_running=current.resolution_running,
        resolution_due_at=_due_at(calendar, resolution, resolution_target, current.resolution_running, now),
        resolution_remaining=max(resolution_target - resolution.elapsed, _ZERO),
        resolution_breached=resolution.breached,
        partner_elapsed=resolution.elapsed,
        microsoft_elapsed=_business_time_while(calendar, phases, lambda state: state.microsoft_running),
    )


def _replay(events: Sequence[TicketEvent], now: datetime) -> list[_Phase]:
    _check_chronological(events)
    past_events = [event for event in events if event.at <= now]
    if not past_events or past_events[0].kind is not EventKind.CREATED:
        raise ValueError("the ticket's first event must be 'created', at or before now")
    phases: list[_Phase] = []
    state, since = _TicketState(TicketStatus.NEW, replied=False), past_events[0].at
    for event in past_events[1:]:
        phases.append(_Phase(since, event.at, state))
        state, since = state.after(event), event.at
    phases.append(_Phase(since, now, state))
    return phases


def _check_chronological(events: Sequence[TicketEvent]) -> None:
    for earlier, later in itertools.pairwise(events):
        if later.at < earlier.at:
            raise ValueError(
                f"events must be in time order: {later.kind} at {later.at.isoformat()} "
                f"follows {earlier.kind} at {earlier.at.isoformat()}"
            )


def _read_clock(
    calendar: BusinessCalendar,
    phases: Sequence[_Phase],
    is_running: Callable[[_TicketState], bool],
    target: timedelta,
) -> _ClockReading:
    elapsed, ran_out_at, last_running_at = _ZERO, None, None
    for phase in phases:
        if not is_running(phase.state):
            continue
        counted = business_time_between(calendar, phase.start, phase.end)
        if ran_out_at is None and elapsed + counted >= target:
            ran_out_at = add_business_time(calendar, phase.start, target - elapsed)
        elapsed += counted
        last_running_at = phase.end
    return _ClockReading(elapsed, ran_out_at, last_running_at)


def _business_time_while(
    calendar: BusinessCalendar, phases: Sequence[_Phase], is_running: Callable[[_TicketState], bool]
) -> timedelta:
    return sum(
        (business_time_between(calendar, phase.start, phase.end) for phase in phases if is_running(phase.state)),
        _ZERO,
    )


def _due_at(
    calendar: BusinessCalendar, reading: _ClockReading, target: timedelta, running: bool, now: datetime
) -> datetime | None:
    if reading.ran_out_at is not None:
        return reading.ran_out_at
    if running:
        return add_business_time(calendar, now, target - reading.elapsed)
    return None


def _first_response_met(reading: _ClockReading, *, replied: bool) -> bool | None:
    if reading.breached:
        return False
    return True if replied else None


def _whole_minutes_rounded_up(duration: timedelta) -> int:
    return -(-duration // _ONE_MINUTE)
