from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cspdesk.support.sla import EventKind, SlaTargets, TicketEvent, TicketStatus, business_time_between, compute_sla
from tests.support.sla.calendars import calendar

OFFICE = calendar("Europe/Berlin", ["08:00-12:00", "13:00-17:00"], holidays=["2024-03-29", "2024-04-01"])
CREATED_AT = datetime(2024, 3, 25, 10, tzinfo=UTC)
TARGETS = SlaTargets(first_response_minutes=90, resolution_minutes=16 * 60)

gaps = st.integers(min_value=0, max_value=3 * 24 * 3600).map(lambda seconds: timedelta(seconds=seconds))
changes = st.one_of(
    st.sampled_from(TicketStatus).map(lambda to: (EventKind.STATUS_CHANGED, to)),
    st.sampled_from([EventKind.FIRST_PUBLIC_REPLY_BY_AGENT, EventKind.REOPENED]).map(lambda kind: (kind, None)),
)


@st.composite
def histories(draw: st.DrawFn) -> list[TicketEvent]:
    events, at = [TicketEvent.created(CREATED_AT)], CREATED_AT
    for kind, to_status in draw(st.lists(changes, max_size=8)):
        at += draw(gaps)
        events.append(TicketEvent(at, kind, to_status))
    return events


@settings(deadline=None, max_examples=200)
@given(histories(), gaps)
def test_clocks_never_count_more_than_the_business_time_since_creation(
    events: list[TicketEvent], after_last: timedelta
) -> None:
    now = events[-1].at + after_last
    state = compute_sla(OFFICE, TARGETS, events, now)
    since_creation = business_time_between(OFFICE, CREATED_AT, now)

    assert state.partner_elapsed + state.microsoft_elapsed <= since_creation
    assert state.first_response_elapsed <= state.partner_elapsed
    statuses = {event.to_status for event in events if event.to_status is not None}
    if statuses <= {TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING_MICROSOFT}:
        assert state.partner_elapsed + state.microsoft_elapsed == since_creation


@settings(deadline=None, max_examples=200)
@given(histories(), gaps)
def test_due_instants_agree_with_the_remaining_business_time(events: list[TicketEvent], after_last: timedelta) -> None:
    now = events[-1].at + after_last
    state = compute_sla(OFFICE, TARGETS, events, now)

    if state.resolution_breached:
        assert state.resolution_due_at is not None
        assert state.resolution_due_at < now
    elif state.resolution_running:
        assert state.resolution_due_at is not None
        assert business_time_between(OFFICE, now, state.resolution_due_at) == state.resolution_remaining
    else:
        assert state.resolution_due_at is None or state.resolution_remaining == timedelta()


@settings(deadline=None, max_examples=200)
@given(histories(), gaps, gaps)
def test_elapsed_time_and_breaches_only_grow_as_now_advances(
    events: list[TicketEvent], since_creation: timedelta, later: timedelta
) -> None:
    now = CREATED_AT + since_creation  # events after `now` are left out of the replay
    earlier_state = compute_sla(OFFICE, TARGETS, events, now)
    later_state = compute_sla(OFFICE, TARGETS, events, now + later)

    assert earlier_state.partner_elapsed <= later_state.partner_elapsed
    assert earlier_state.microsoft_elapsed <= later_state.microsoft_elapsed
    assert later_state.resolution_breached or not earlier_state.resolution_breached
    assert later_state.first_response_breached or not earlier_state.first_response_breached
