from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cspdesk.policy.document import (
    DEFAULT_POLICY,
    DisputeHandling,
    Exemptions,
    LateFeeStep,
    PolicyCurrencyError,
    PolicyDocument,
    parse_policy_yaml,
)
from cspdesk.policy.timeline import (
    Hold,
    HoldReason,
    Holds,
    InvoiceFacts,
    ScheduledStep,
    SkipReason,
    Stage,
    StepStatus,
    Timeline,
    evaluate_timeline,
    forecast,
    late_fee_amount,
    next_business_day,
    stage,
    step_key,
)

DUE = date(2026, 12, 1)  # a Tuesday
DONE = StepStatus.DONE
DUE_NOW = StepStatus.DUE
UPCOMING = StepStatus.UPCOMING
HELD = StepStatus.HELD
SKIPPED = StepStatus.SKIPPED


def invoice(
    outstanding_minor: int = 100_000,
    done: dict[str, date] | None = None,
    holds: Holds | None = None,
    currency: str = "EUR",
    due_date: date = DUE,
    issue_date: date | None = None,
) -> InvoiceFacts:
    return InvoiceFacts(
        due_date=due_date,
        outstanding_minor=outstanding_minor,
        currency=currency,
        holds=holds or Holds(),
        done=done or {},
        issue_date=issue_date,
    )


def table(timeline: Timeline) -> dict[str, tuple[StepStatus, date | None]]:
    return {entry.key: (entry.status, entry.runs_on) for entry in timeline.steps}


def entry_of(timeline: Timeline, key: str) -> tuple[StepStatus, Hold | None, SkipReason | None]:
    found = next(entry for entry in timeline.steps if entry.key == key)
    return found.status, found.hold, found.skip_reason


def with_changes(**changes: object) -> PolicyDocument:
    return DEFAULT_POLICY.model_copy(update=changes)


REMINDED = {"-7:reminder": date(2026, 11, 24), "1:reminder": date(2026, 12, 2)}


def test_before_the_due_date_every_step_is_upcoming_on_its_date() -> None:
    timeline = evaluate_timeline(DEFAULT_POLICY, invoice(), date(2026, 11, 20))
    assert table(timeline) == {
        "-7:reminder": (UPCOMING, date(2026, 11, 24)),
        "1:reminder": (UPCOMING, date(2026, 12, 2)),
        "7:late_fee": (UPCOMING, date(2026, 12, 8)),
        "12:suspension_warning": (UPCOMING, date(2026, 12, 13)),
        "14:suspend": (UPCOMING, date(2026, 12, 15)),
        "45:terminate": (UPCOMING, date(2027, 1, 15)),
    }
    assert stage(timeline) is Stage.CURRENT
    assert timeline.days_overdue == 0


def test_the_day_a_step_falls_it_is_due() -> None:
    timeline = evaluate_timeline(DEFAULT_POLICY, invoice(), date(2026, 11, 24))
    assert [entry.key for entry in timeline.due_steps] == ["-7:reminder"]


def test_paid_on_time_skips_everything_not_done() -> None:
    paid = invoice(outstanding_minor=0, done={"-7:reminder": date(2026, 11, 24)})
    timeline = evaluate_timeline(DEFAULT_POLICY, paid, date(2026, 12, 20))
    assert table(timeline)["-7:reminder"] == (DONE, date(2026, 11, 24))
    assert {entry.skip_reason for entry in timeline.steps if entry.status is SKIPPED} == {SkipReason.PAID}
    assert len(timeline.pending_steps) == 0
    assert stage(timeline) is Stage.SETTLED


def test_a_late_invoice_has_its_late_fee_due_and_the_rest_ahead() -> None:
    timeline = evaluate_timeline(DEFAULT_POLICY, invoice(done=REMINDED), date(2026, 12, 8))
    assert table(timeline) == {
        "-7:reminder": (DONE, date(2026, 11, 24)),
        "1:reminder": (DONE, date(2026, 12, 2)),
        "7:late_fee": (DUE_NOW, date(2026, 12, 8)),
        "12:suspension_warning": (UPCOMING, date(2026, 12, 13)),
        "14:suspend": (UPCOMING, date(2026, 12, 15)),
        "45:terminate": (UPCOMING, date(2027, 1, 15)),
    }
    assert timeline.due_steps[0].fee_minor == 2_000
    assert timeline.days_overdue == 7
    assert stage(timeline) is Stage.REMINDED


def test_below_the_minimum_only_reminders_run() -> None:
    timeline = evaluate_timeline(DEFAULT_POLICY, invoice(outstanding_minor=999), date(2026, 12, 20))
    assert table(timeline) == {
        "-7:reminder": (SKIPPED, None),
        "1:reminder": (DUE_NOW, date(2026, 12, 2)),
        "7:late_fee": (HELD, None),
        "12:suspension_warning": (HELD, None),
        "14:suspend": (HELD, None),
        "45:terminate": (HELD, None),
    }
    assert entry_of(timeline, "14:suspend") == (HELD, Hold(HoldReason.BELOW_MINIMUM, None), None)


def test_at_exactly_the_minimum_steps_escalate() -> None:
    timeline = evaluate_timeline(DEFAULT_POLICY, invoice(outstanding_minor=1_000, done=REMINDED), date(2026, 12, 8))
    assert [(entry.key, entry.fee_minor) for entry in timeline.due_steps] == [("7:late_fee", 500)]


def test_a_disputed_invoice_does_not_advance() -> None:
    disputed = invoice(done=REMINDED, holds=Holds(disputed=True))
    timeline = evaluate_timeline(DEFAULT_POLICY, disputed, date(2026, 12, 20))
    assert timeline.due_steps == ()
    assert {entry.hold for entry in timeline.pending_steps} == {Hold(HoldReason.DISPUTED, None)}
    assert stage(timeline) is Stage.REMINDED


def test_a_policy_may_let_disputes_run_on() -> None:
    policy = with_changes(exemptions=Exemptions(disputed_invoices=DisputeHandling.IGNORE))
    timeline = evaluate_timeline(policy, invoice(done=REMINDED, holds=Holds(disputed=True)), date(2026, 12, 8))
    assert [entry.key for entry in timeline.due_steps] == ["7:late_fee"]


def test_a_promise_holds_steps_until_the_promised_date_then_they_run_the_day_after() -> None:
    promised = invoice(done=REMINDED, holds=Holds(promise_to_pay_until=date(2026, 12, 10)))
    during = evaluate_timeline(DEFAULT_POLICY, promised, date(2026, 12, 10))
    assert table(during)["7:late_fee"] == (HELD, date(2026, 12, 11))
    assert entry_of(during, "7:late_fee")[1] == Hold(HoldReason.PROMISE_TO_PAY, date(2026, 12, 10))
    assert table(during)["12:suspension_warning"] == (UPCOMING, date(2026, 12, 13))

    after = evaluate_timeline(DEFAULT_POLICY, promised, date(2026, 12, 11))
    assert [(entry.key, entry.runs_on) for entry in after.due_steps] == [("7:late_fee", date(2026, 12, 11))]


def test_a_promise_is_ignored_when_the_policy_does_not_allow_promises() -> None:
    policy = with_changes(exemptions=Exemptions(promise_to_pay=False))
    promised = invoice(done=REMINDED, holds=Holds(promise_to_pay_until=date(2026, 12, 10)))
    timeline = evaluate_timeline(policy, promised, date(2026, 12, 8))
    assert [entry.key for entry in timeline.due_steps] == ["7:late_fee"]


def test_an_exemption_holds_everything_and_the_later_hold_wins() -> None:
    holds = Holds(promise_to_pay_until=date(2026, 12, 10), exempt_until=date(2026, 12, 14))
    timeline = evaluate_timeline(DEFAULT_POLICY, invoice(holds=holds), date(2026, 11, 30))
    assert table(timeline) == {
        "-7:reminder": (HELD, date(2026, 12, 15)),
        "1:reminder": (HELD, date(2026, 12, 15)),
        "7:late_fee": (HELD, date(2026, 12, 15)),
        "12:suspension_warning": (HELD, date(2026, 12, 15)),
        "14:suspend": (UPCOMING, date(2026, 12, 15)),
        "45:terminate": (UPCOMING, date(2027, 1, 15)),
    }
    assert entry_of(timeline, "7:late_fee")[1] == Hold(HoldReason.EXEMPT, date(2026, 12, 14))


def test_business_days_move_weekend_steps_and_hold_releases_to_monday() -> None:
    policy = with_changes(business_days_only=True)
    friday_due = date(2026, 12, 4)
    timeline = evaluate_timeline(policy, invoice(due_date=friday_due), date(2026, 11, 20))
    assert [(entry.key, entry.scheduled_on) for entry in timeline.steps] == [
        ("-7:reminder", date(2026, 11, 27)),
        ("1:reminder", date(2026, 12, 7)),
        ("7:late_fee", date(2026, 12, 11)),
        ("12:suspension_warning", date(2026, 12, 16)),
        ("14:suspend", date(2026, 12, 18)),
        ("45:terminate", date(2027, 1, 18)),
    ]
    promised = invoice(due_date=friday_due, holds=Holds(promise_to_pay_until=date(2026, 12, 11)))
    held = evaluate_timeline(policy, promised, date(2026, 12, 11))
    assert table(held)["7:late_fee"] == (HELD, date(2026, 12, 14))
    assert table(evaluate_timeline(policy, promised, date(2026, 12, 12)))["7:late_fee"] == (
        UPCOMING,
        date(2026, 12, 14),
    )


def test_next_business_day() -> None:
    assert next_business_day(date(2026, 12, 4)) == date(2026, 12, 4)
    assert next_business_day(date(2026, 12, 5)) == date(2026, 12, 7)
    assert next_business_day(date(2026, 12, 6)) == date(2026, 12, 7)


def test_steps_dated_before_the_invoice_was_issued_are_skipped() -> None:
    late_issue = invoice(issue_date=date(2026, 11, 26))
    timeline = evaluate_timeline(DEFAULT_POLICY, late_issue, date(2026, 11, 26))
    assert entry_of(timeline, "-7:reminder") == (SKIPPED, None, SkipReason.BEFORE_ISSUE)
    assert timeline.due_steps == ()


def test_catching_up_sends_no_stale_reminders() -> None:
    timeline = evaluate_timeline(DEFAULT_POLICY, invoice(), date(2026, 12, 20))
    assert table(timeline) == {
        "-7:reminder": (SKIPPED, None),
        "1:reminder": (SKIPPED, None),
        "7:late_fee": (DUE_NOW, date(2026, 12, 8)),
        "12:suspension_warning": (DUE_NOW, date(2026, 12, 13)),
        "14:suspend": (DUE_NOW, date(2026, 12, 15)),
        "45:terminate": (UPCOMING, date(2027, 1, 15)),
    }
    assert entry_of(timeline, "1:reminder")[2] is SkipReason.SUPERSEDED


REPEATING = parse_policy_yaml(
    """\
name: Monthly interest
payment_terms_days: 30
steps:
  - {offset: 7, action: late_fee, percent: 1.5, once: false, repeat_every_days: 30}
"""
)


def test_a_repeating_late_fee_shows_each_occurrence_and_the_next() -> None:
    done = {"7:late_fee": date(2026, 12, 8)}
    timeline = evaluate_timeline(REPEATING, invoice(done=done), date(2027, 1, 7))
    assert table(timeline) == {
        "7:late_fee": (DONE, date(2026, 12, 8)),
        "7:late_fee:2": (DUE_NOW, date(2027, 1, 7)),
        "7:late_fee:3": (UPCOMING, date(2027, 2, 6)),
    }
    assert timeline.due_steps[0].fee_minor == 1_500


def test_catching_up_charges_a_repeating_fee_once() -> None:
    timeline = evaluate_timeline(REPEATING, invoice(), date(2027, 1, 10))
    assert [(entry.key, entry.status) for entry in timeline.steps] == [
        ("7:late_fee", SKIPPED),
        ("7:late_fee:2", DUE_NOW),
        ("7:late_fee:3", UPCOMING),
    ]


def test_step_keys_are_offset_and_action() -> None:
    fee = REPEATING.steps[0]
    assert [step_key(step) for step in DEFAULT_POLICY.steps] == [
        "-7:reminder",
        "1:reminder",
        "7:late_fee",
        "12:suspension_warning",
        "14:suspend",
        "45:terminate",
    ]
    assert step_key(fee, 3) == "7:late_fee:3"


# ---- late fees ---------------------------------------------------------------------------------------------


def fee_step(percent: str, minimum: str | dict[str, Decimal] = "0") -> LateFeeStep:
    amount = Decimal(minimum) if isinstance(minimum, str) else minimum
    return LateFeeStep(offset=7, action="late_fee", percent=Decimal(percent), minimum=amount)


@pytest.mark.parametrize(
    ("percent", "minimum", "outstanding_minor", "currency", "expected"),
    [
        pytest.param("2", "0", 12_345, "EUR", 247, id="246.9-rounds-up"),
        pytest.param("2", "0", 12_325, "EUR", 247, id="246.5-half-up-not-half-even"),
        pytest.param("2", "0", 12_324, "EUR", 246, id="246.48-rounds-down"),
        pytest.param("2", "5.00", 10_000, "EUR", 500, id="minimum-applies"),
        pytest.param("2", "5.00", 25_000, "EUR", 500, id="exactly-the-minimum"),
        pytest.param("2", "5.00", 25_025, "EUR", 501, id="above-the-minimum"),
        pytest.param("0.1", "0", 1_234_567_891, "EUR", 1_234_568, id="exact-tenth-of-a-percent"),
        pytest.param("2.5", "0", 123_450, "JPY", 3_086, id="jpy-no-minor-unit"),
        pytest.param("1.5", "0", 100, "JPY", 2, id="jpy-half-up"),
        pytest.param("2", "5.00", 100, "JPY", 5, id="jpy-minimum"),
        pytest.param("2", "0.0055", 100, "KWD", 6, id="kwd-three-digits-minimum-half-up"),
        pytest.param("2", "5.00", 0, "EUR", 0, id="nothing-outstanding"),
    ],
)
def test_late_fee_amount(percent: str, minimum: str, outstanding_minor: int, currency: str, expected: int) -> None:
    assert late_fee_amount(fee_step(percent, minimum), outstanding_minor, currency) == expected


def test_late_fee_minimum_per_currency() -> None:
    step = fee_step("2", {"EUR": Decimal("5.00"), "JPY": Decimal("700")})
    assert late_fee_amount(step, 10_000, "JPY") == 700
    assert late_fee_amount(step, 10_000, "EUR") == 500
    with pytest.raises(PolicyCurrencyError):
        late_fee_amount(step, 10_000, "USD")


# ---- forecast and stage ------------------------------------------------------------------------------------


def keyed(events: list[tuple[date, ScheduledStep]]) -> list[tuple[date, str]]:
    return [(day, entry.key) for day, entry in events]


def test_forecast_lists_what_happens_if_nothing_is_paid() -> None:
    events = forecast(DEFAULT_POLICY, invoice(), date(2026, 11, 20), 60)
    assert keyed(events) == [
        (date(2026, 11, 24), "-7:reminder"),
        (date(2026, 12, 2), "1:reminder"),
        (date(2026, 12, 8), "7:late_fee"),
        (date(2026, 12, 13), "12:suspension_warning"),
        (date(2026, 12, 15), "14:suspend"),
        (date(2027, 1, 15), "45:terminate"),
    ]


def test_forecast_window_starts_today_and_ends_before_today_plus_days() -> None:
    assert forecast(DEFAULT_POLICY, invoice(), date(2026, 11, 20), 4) == []
    assert keyed(forecast(DEFAULT_POLICY, invoice(), date(2026, 11, 24), 1)) == [(date(2026, 11, 24), "-7:reminder")]


def test_forecast_follows_a_promise_and_the_minimum() -> None:
    promised = invoice(done=REMINDED, holds=Holds(promise_to_pay_until=date(2026, 12, 10)))
    assert keyed(forecast(DEFAULT_POLICY, promised, date(2026, 12, 3), 14)) == [
        (date(2026, 12, 11), "7:late_fee"),
        (date(2026, 12, 13), "12:suspension_warning"),
        (date(2026, 12, 15), "14:suspend"),
    ]
    small = invoice(outstanding_minor=500)
    assert keyed(forecast(DEFAULT_POLICY, small, date(2026, 11, 20), 90)) == [
        (date(2026, 11, 24), "-7:reminder"),
        (date(2026, 12, 2), "1:reminder"),
    ]


def test_forecast_of_a_repeating_fee() -> None:
    events = keyed(forecast(REPEATING, invoice(), date(2026, 12, 1), 70))
    assert events == [
        (date(2026, 12, 8), "7:late_fee"),
        (date(2027, 1, 7), "7:late_fee:2"),
        (date(2027, 2, 6), "7:late_fee:3"),
    ]


@pytest.mark.parametrize(
    ("done_keys", "today", "expected"),
    [
        ((), date(2026, 12, 1), Stage.CURRENT),
        ((), date(2026, 12, 2), Stage.OVERDUE),
        (("-7:reminder",), date(2026, 11, 25), Stage.REMINDED),
        (("-7:reminder", "1:reminder", "7:late_fee"), date(2026, 12, 9), Stage.LATE_FEE),
        (("7:late_fee", "12:suspension_warning"), date(2026, 12, 14), Stage.WARNED),
        (("12:suspension_warning", "14:suspend"), date(2026, 12, 16), Stage.SUSPENDED),
        (("14:suspend", "45:terminate"), date(2027, 1, 16), Stage.TERMINATED),
    ],
)
def test_stage_is_the_furthest_step_carried_out(done_keys: tuple[str, ...], today: date, expected: Stage) -> None:
    done = dict.fromkeys(done_keys, today)
    assert stage(evaluate_timeline(DEFAULT_POLICY, invoice(done=done), today)) is expected


def test_a_warning_is_not_sent_after_the_suspension_it_announces() -> None:
    done = {**REMINDED, "7:late_fee": date(2026, 12, 8), "14:suspend": date(2026, 12, 15)}
    timeline = evaluate_timeline(DEFAULT_POLICY, invoice(done=done), date(2026, 12, 21))
    assert entry_of(timeline, "12:suspension_warning") == (SKIPPED, None, SkipReason.SUPERSEDED)


def test_a_warning_due_with_its_suspension_is_still_sent_first() -> None:
    timeline = evaluate_timeline(DEFAULT_POLICY, invoice(done=REMINDED), date(2026, 12, 15))
    assert [entry.key for entry in timeline.due_steps] == ["7:late_fee", "12:suspension_warning", "14:suspend"]
