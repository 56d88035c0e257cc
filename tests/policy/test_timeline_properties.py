"""Properties the dunning engine relies on: a run is idempotent, and time only moves steps forward."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cspdesk.policy.document import DEFAULT_POLICY, PolicyDocument, parse_policy_yaml
from cspdesk.policy.timeline import Holds, InvoiceFacts, StepStatus, evaluate_timeline, forecast
from tests.policy.test_document import RICH
from tests.policy.test_timeline import REPEATING

POLICIES = [
    DEFAULT_POLICY,
    DEFAULT_POLICY.model_copy(update={"business_days_only": True}),
    REPEATING,
    parse_policy_yaml(RICH),
]
# How far each status has got: a step never goes back to an earlier rank as days pass.
RANK = {
    StepStatus.UPCOMING: 0,
    StepStatus.HELD: 0,
    StepStatus.DUE: 1,
    StepStatus.SKIPPED: 2,
    StepStatus.DONE: 2,
}
BASE_DAY = date(2026, 6, 1)


def days_around(anchor: date, before: int, after: int) -> st.SearchStrategy[date]:
    return st.integers(-before, after).map(lambda offset: anchor + timedelta(days=offset))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[PolicyDocument, InvoiceFacts, date]:
    policy = draw(st.sampled_from(POLICIES))
    due_date = draw(days_around(BASE_DAY, 0, 400))
    holds = Holds(
        disputed=draw(st.booleans()),
        promise_to_pay_until=draw(st.none() | days_around(due_date, 10, 60)),
        exempt_until=draw(st.none() | days_around(due_date, 10, 60)),
    )
    facts = InvoiceFacts(
        due_date=due_date,
        outstanding_minor=draw(st.integers(0, 200_000)),
        currency=draw(st.sampled_from(["EUR", "JPY"])),
        holds=holds,
        issue_date=draw(st.none() | days_around(due_date, 40, 0)),
    )
    today = draw(days_around(due_date, 20, 120))
    return policy, with_some_done(draw, policy, facts, today), today


def with_some_done(draw: st.DrawFn, policy: PolicyDocument, facts: InvoiceFacts, today: date) -> InvoiceFacts:
    keys = [entry.key for entry in evaluate_timeline(policy, facts, today).steps]
    chosen = draw(st.lists(st.sampled_from(keys), unique=True))
    return replace(facts, done={key: draw(days_around(today, 30, 0)) for key in chosen})


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_carrying_out_the_due_steps_leaves_nothing_due(scenario: tuple[PolicyDocument, InvoiceFacts, date]) -> None:
    policy, facts, today = scenario
    first = evaluate_timeline(policy, facts, today)
    carried_out = {entry.key: today for entry in first.due_steps}
    again = evaluate_timeline(policy, replace(facts, done={**facts.done, **carried_out}), today)
    assert again.due_steps == ()
    assert {entry.key: entry.status for entry in again.steps if entry.key not in carried_out} == {
        entry.key: entry.status for entry in first.steps if entry.key not in carried_out
    }


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.integers(0, 90))
def test_later_days_only_move_steps_forward(scenario: tuple[PolicyDocument, InvoiceFacts, date], days: int) -> None:
    policy, facts, today = scenario
    earlier = evaluate_timeline(policy, facts, today)
    later = {entry.key: entry for entry in evaluate_timeline(policy, facts, today + timedelta(days=days)).steps}
    for entry in earlier.steps:
        assert RANK[later[entry.key].status] >= RANK[entry.status], entry.key
        if entry.status is StepStatus.DUE and later[entry.key].status is StepStatus.DUE:
            assert later[entry.key].runs_on == entry.runs_on


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.integers(1, 120))
def test_forecast_runs_each_step_once_inside_the_window(
    scenario: tuple[PolicyDocument, InvoiceFacts, date], days: int
) -> None:
    policy, facts, today = scenario
    events = forecast(policy, facts, today, days)
    assert len({entry.key for _, entry in events}) == len(events)
    assert all(today <= day < today + timedelta(days=days) for day, _ in events)
    assert [day for day, _ in events] == sorted(day for day, _ in events)
    assert not {entry.key for _, entry in events} & set(facts.done)
