"""The pure dunning schedule of one invoice under a policy: what runs when, what is due, what waits and why.

Decisions the dunning engine relies on:
- A step's date is the due date plus its offset, moved to the next Monday-Friday day when the policy says
  business_days_only (no holiday calendar).
- Below the policy's minimum overdue amount only reminders run; every other step is held.
- A disputed invoice (disputed_invoices: pause) holds every step until the dispute flag is cleared.
- A promise to pay until X (when the policy allows promises) or an exemption until X holds every step whose
  date is on or before X; those steps run on the day after X (the next business day when the policy says so).
- Catch-up never sends stale notices or stacks repeated fees: a due reminder is skipped when a later notice
  is also due or already done, a due suspension warning when a later suspension is already done, and a due
  occurrence of a repeating late fee when a later occurrence is due or done.
- A paid invoice (nothing outstanding) skips every step not yet done; a step dated before the invoice was
  issued is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from cspdesk.kit.money import to_minor
from cspdesk.policy.document import (
    NOTICE_ACTIONS,
    STEP_ACTIONS,
    DisputeHandling,
    LateFeeStep,
    PolicyDocument,
    Step,
    amount_in,
)


class StepStatus(StrEnum):
    DONE = "done"
    DUE = "due"
    UPCOMING = "upcoming"
    HELD = "held"
    SKIPPED = "skipped"


class HoldReason(StrEnum):
    BELOW_MINIMUM = "below_minimum"
    DISPUTED = "disputed"
    PROMISE_TO_PAY = "promise_to_pay"
    EXEMPT = "exempt"


class SkipReason(StrEnum):
    PAID = "paid"
    BEFORE_ISSUE = "before_issue"
    SUPERSEDED = "superseded"


class Stage(StrEnum):
    CURRENT = "current"
    OVERDUE = "overdue"
    REMINDED = "reminded"
    LATE_FEE = "late_fee"
    WARNED = "warned"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    SETTLED = "settled"


@dataclass(frozen=True)
class Holds:
    disputed: bool = False
    promise_to_pay_until: date | None = None
    exempt_until: date | None = None


@dataclass(frozen=True)
class InvoiceFacts:
    """What the schedule of one invoice depends on; `done` maps each step key carried out to its day."""

    due_date: date
    outstanding_minor: int
    currency: str
    holds: Holds = field(default_factory=Holds)
    done: Mapping[str, date] = field(default_factory=dict)
    issue_date: date | None = None


@dataclass(frozen=True)
class Hold:
    reason: HoldReason
    until: date | None  # the last day of the hold; None while the condition lasts

    def active_on(self, day: date) -> bool:
        return self.until is None or day <= self.until


@dataclass(frozen=True)
class ScheduledStep:
    """One step of one invoice. `runs_on` is the day it ran (done), should run (due, maybe before today), will
    run (upcoming, or held until a known day), or None (held while a condition lasts, skipped)."""

    key: str
    step: Step
    scheduled_on: date
    status: StepStatus
    runs_on: date | None
    hold: Hold | None = None
    skip_reason: SkipReason | None = None
    fee_minor: int | None = None  # late fees only: the fee on the amount outstanding now


@dataclass(frozen=True)
class Timeline:
    policy: PolicyDocument
    invoice: InvoiceFacts
    today: date
    steps: tuple[ScheduledStep, ...]

    @property
    def due_steps(self) -> tuple[ScheduledStep, ...]:
        return self._with_status(StepStatus.DUE)

    @property
    def pending_steps(self) -> tuple[ScheduledStep, ...]:
        return self._with_status(StepStatus.DUE, StepStatus.UPCOMING, StepStatus.HELD)

    @property
    def done_steps(self) -> tuple[ScheduledStep, ...]:
        return self._with_status(StepStatus.DONE)

    @property
    def days_overdue(self) -> int:
        return max(0, (self.today - self.invoice.due_date).days)

    def _with_status(self, *statuses: StepStatus) -> tuple[ScheduledStep, ...]:
        return tuple(entry for entry in self.steps if entry.status in statuses)


# ---- dates and money ---------------------------------------------------------------------------------------


def step_key(step: Step, occurrence: int = 1) -> str:
    """The stable key of a step within an invoice; later occurrences of a repeating fee add their number."""
    key = f"{step.offset}:{step.action}"
    return key if occurrence == 1 else f"{key}:{occurrence}"


def next_business_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _on_policy_day(policy: PolicyDocument, day: date) -> date:
    return next_business_day(day) if policy.business_days_only else day


def late_fee_amount(step: LateFeeStep, outstanding_minor: int, currency: str) -> int:
    """The fee in minor units: the step's percent of the outstanding amount rounded half-up to the minor unit,
    never less than the step's minimum; nothing when nothing is outstanding."""
    if outstanding_minor <= 0:
        return 0
    with localcontext(prec=60):
        share = (Decimal(outstanding_minor) * step.percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(int(share), to_minor(amount_in(step.minimum, currency), currency))


# ---- evaluation --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    key: str
    step: Step
    position: int
    occurrence: int
    scheduled_on: date


@dataclass(frozen=True)
class _Context:
    policy: PolicyDocument
    invoice: InvoiceFacts
    today: date
    minimum_minor: int


def evaluate_timeline(policy: PolicyDocument, invoice: InvoiceFacts, today: date) -> Timeline:
    """Every step of the invoice with its date and its status on `today`; evaluating again after carrying out
    the due steps yields no new due steps."""
    minimum_minor = to_minor(amount_in(policy.minimum_overdue_amount, invoice.currency), invoice.currency)
    context = _Context(policy, invoice, today, minimum_minor)
    entries = [_schedule(context, planned) for planned in _planned_steps(policy, invoice.due_date, today)]
    return Timeline(policy, invoice, today, tuple(_skip_superseded(entries)))


def _planned_steps(policy: PolicyDocument, due_date: date, today: date) -> list[_Planned]:
    planned = [
        _Planned(
            step_key(step, occurrence),
            step,
            position,
            occurrence,
            _on_policy_day(policy, due_date + timedelta(days=_occurrence_offset(step, occurrence))),
        )
        for position, step in enumerate(policy.steps)
        for occurrence in _occurrences(step, due_date, today)
    ]
    return sorted(planned, key=lambda p: (p.scheduled_on, p.position, p.occurrence))


def _repeat_interval(step: Step) -> int | None:
    return step.repeat_every_days if isinstance(step, LateFeeStep) else None


def _occurrence_offset(step: Step, occurrence: int) -> int:
    return step.offset + (occurrence - 1) * (_repeat_interval(step) or 0)


def _occurrences(step: Step, due_date: date, today: date) -> range:
    """Occurrences up to today plus the next one, so a repeating fee always shows what comes next."""
    every = _repeat_interval(step)
    elapsed = (today - due_date).days - step.offset
    if every is None or elapsed < 0:
        return range(1, 2)
    return range(1, elapsed // every + 3)


def _schedule(context: _Context, planned: _Planned) -> ScheduledStep:
    entry = ScheduledStep(
        planned.key,
        planned.step,
        planned.scheduled_on,
        StepStatus.UPCOMING,
        planned.scheduled_on,
        fee_minor=_fee(context, planned.step),
    )
    if planned.key in context.invoice.done:
        return replace(entry, status=StepStatus.DONE, runs_on=context.invoice.done[planned.key])
    skip_reason = _skip_reason(context.invoice, planned)
    if skip_reason is not None:
        return replace(entry, status=StepStatus.SKIPPED, runs_on=None, skip_reason=skip_reason)
    hold = _hold(context, planned)
    if hold is None:
        return _by_date(entry, planned.scheduled_on, context.today)
    release = _release_day(context.policy, hold)
    if release is None or hold.active_on(context.today):
        return replace(entry, status=StepStatus.HELD, runs_on=release, hold=hold)
    return _by_date(entry, release, context.today)


def _by_date(entry: ScheduledStep, runs_on: date, today: date) -> ScheduledStep:
    status = StepStatus.DUE if runs_on <= today else StepStatus.UPCOMING
    return replace(entry, status=status, runs_on=runs_on)


def _fee(context: _Context, step: Step) -> int | None:
    if not isinstance(step, LateFeeStep):
        return None
    return late_fee_amount(step, context.invoice.outstanding_minor, context.invoice.currency)


def _skip_reason(invoice: InvoiceFacts, planned: _Planned) -> SkipReason | None:
    if invoice.outstanding_minor <= 0:
        return SkipReason.PAID
    if invoice.issue_date is not None and planned.scheduled_on < invoice.issue_date:
        return SkipReason.BEFORE_ISSUE
    return None


def _hold(context: _Context, planned: _Planned) -> Hold | None:
    if planned.step.action != "reminder" and context.invoice.outstanding_minor < context.minimum_minor:
        return Hold(HoldReason.BELOW_MINIMUM, None)
    if context.invoice.holds.disputed and context.policy.exemptions.disputed_invoices is DisputeHandling.PAUSE:
        return Hold(HoldReason.DISPUTED, None)
    covering = [(until, reason) for reason, until in _dated_holds(context) if planned.scheduled_on <= until]
    if not covering:
        return None
    until, reason = max(covering)
    return Hold(reason, until)


def _dated_holds(context: _Context) -> list[tuple[HoldReason, date]]:
    holds = context.invoice.holds
    dated = [(HoldReason.EXEMPT, holds.exempt_until)]
    if context.policy.exemptions.promise_to_pay:
        dated.append((HoldReason.PROMISE_TO_PAY, holds.promise_to_pay_until))
    return [(reason, until) for reason, until in dated if until is not None]


def _release_day(policy: PolicyDocument, hold: Hold) -> date | None:
    return None if hold.until is None else _on_policy_day(policy, hold.until + timedelta(days=1))


def _skip_superseded(entries: list[ScheduledStep]) -> list[ScheduledStep]:
    return [
        replace(entry, status=StepStatus.SKIPPED, runs_on=None, skip_reason=SkipReason.SUPERSEDED)
        if entry.status is StepStatus.DUE and any(_supersedes(later, entry) for later in entries[index + 1 :])
        else entry
        for index, entry in enumerate(entries)
    ]


def _supersedes(later: ScheduledStep, earlier: ScheduledStep) -> bool:
    if later.status not in (StepStatus.DUE, StepStatus.DONE):
        return False
    if earlier.step.action == "reminder":
        return later.step.action in NOTICE_ACTIONS
    if earlier.step.action == "suspension_warning":
        return later.step.action == "suspend" and later.status is StepStatus.DONE
    return isinstance(earlier.step, LateFeeStep) and later.step == earlier.step


# ---- summaries ---------------------------------------------------------------------------------------------


def forecast(policy: PolicyDocument, invoice: InvoiceFacts, today: date, days: int) -> list[tuple[date, ScheduledStep]]:
    """What the policy will do to the invoice from today through the next `days` days (today + days excluded)
    if nothing is paid, nothing changes in its holds, and each step is carried out on the day it falls due."""
    end = today + timedelta(days=days)
    done = dict(invoice.done)
    events: list[tuple[date, ScheduledStep]] = []
    day: date | None = today
    while day is not None and day < end:
        timeline = evaluate_timeline(policy, replace(invoice, done=dict(done)), day)
        for entry in timeline.due_steps:
            events.append((day, entry))
            done[entry.key] = day
        day = _next_change(timeline)
    return events


def _next_change(timeline: Timeline) -> date | None:
    days = [
        entry.runs_on
        for entry in timeline.steps
        if entry.status in (StepStatus.UPCOMING, StepStatus.HELD) and entry.runs_on is not None
    ]
    return min(days, default=None)


_STAGE_OF_ACTION = {
    "reminder": Stage.REMINDED,
    "late_fee": Stage.LATE_FEE,
    "suspension_warning": Stage.WARNED,
    "suspend": Stage.SUSPENDED,
    "terminate": Stage.TERMINATED,
}


def stage(timeline: Timeline) -> Stage:
    """Where the invoice stands: settled once nothing is owed, else the furthest step carried out, else
    current or overdue by its due date."""
    if timeline.invoice.outstanding_minor <= 0:
        return Stage.SETTLED
    done_actions = {entry.step.action for entry in timeline.done_steps}
    for action in reversed(STEP_ACTIONS):
        if action in done_actions:
            return _STAGE_OF_ACTION[action]
    return Stage.OVERDUE if timeline.today > timeline.invoice.due_date else Stage.CURRENT
