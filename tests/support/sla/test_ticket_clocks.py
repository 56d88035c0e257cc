from datetime import datetime, timedelta

import pytest

from cspdesk.support.sla import SlaState, SlaTargets, TicketEvent, TicketStatus, compute_sla
from tests.support.sla.calendars import calendar, local, utc

OFFICE = calendar("UTC", ["09:00-17:00"])  # 480 business minutes a weekday
TARGETS = SlaTargets(first_response_minutes=60, resolution_minutes=480)
ONE_MICROSECOND = timedelta(microseconds=1)


def monday(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return utc(2024, 1, 8, hour, minute, second)


def tuesday(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return utc(2024, 1, 9, hour, minute, second)


def sla(*events: TicketEvent, now: datetime) -> SlaState:
    return compute_sla(OFFICE, TARGETS, list(events), now)


created = TicketEvent.created
replied = TicketEvent.first_public_reply_by_agent
reopened = TicketEvent.reopened


def status(at: datetime, to: TicketStatus) -> TicketEvent:
    return TicketEvent.status_changed(at, to)


class TestFirstResponse:
    def test_a_running_clock_reports_its_due_instant_and_remaining_minutes(self) -> None:
        state = sla(created(monday(10)), now=monday(10, 30))

        assert state.first_response_running
        assert state.first_response_due_at == monday(11)
        assert state.first_response_remaining_minutes == 30
        assert state.first_response_met is None
        assert not state.first_response_breached

    def test_a_reply_before_the_due_instant_meets_the_target(self) -> None:
        state = sla(created(monday(10)), replied(monday(10, 45)), now=monday(12))

        assert state.first_response_met is True
        assert not state.first_response_breached
        assert not state.first_response_running
        assert state.first_response_due_at is None
        assert state.first_response_elapsed == timedelta(minutes=45)

    def test_a_reply_exactly_at_the_due_instant_meets_the_target(self) -> None:
        state = sla(created(monday(10)), replied(monday(11)), now=monday(12))

        assert state.first_response_met is True
        assert not state.first_response_breached

    def test_a_reply_one_minute_late_breaches_the_target(self) -> None:
        state = sla(created(monday(10)), replied(monday(11, 1)), now=monday(12))

        assert state.first_response_met is False
        assert state.first_response_breached
        assert state.first_response_due_at == monday(11)

    def test_breach_starts_right_after_the_due_instant(self) -> None:
        at_due = sla(created(monday(10)), now=monday(11))
        just_after = sla(created(monday(10)), now=monday(11) + ONE_MICROSECOND)

        assert not at_due.first_response_breached
        assert at_due.first_response_met is None
        assert just_after.first_response_breached
        assert just_after.first_response_met is False
        assert just_after.first_response_due_at == monday(11)
        assert just_after.first_response_remaining == timedelta()

    def test_due_instant_moves_over_the_weekend(self) -> None:
        friday_afternoon, saturday = utc(2024, 1, 12, 16, 30), utc(2024, 1, 13, 12)

        state = sla(created(friday_afternoon), now=saturday)

        assert state.first_response_due_at == utc(2024, 1, 15, 9, 30)
        assert state.first_response_remaining_minutes == 30
        assert not state.first_response_breached

    def test_a_target_running_out_at_closing_time_is_breached_in_the_closed_hours_after(self) -> None:
        at_closing = sla(created(monday(16)), now=monday(17))
        evening = sla(created(monday(16)), now=monday(17, 30))
        evening_reply = sla(created(monday(16)), replied(monday(17, 30)), now=tuesday(9))

        assert not at_closing.first_response_breached
        assert evening.first_response_breached
        assert evening_reply.first_response_met is False

    def test_the_clock_pauses_while_pending_and_resumes_with_a_new_due_instant(self) -> None:
        events = [created(monday(9)), status(monday(9, 20), TicketStatus.PENDING_CUSTOMER)]

        paused = sla(*events, now=monday(15))
        resumed = sla(*events, status(monday(15), TicketStatus.OPEN), now=monday(15, 10))

        assert paused.paused
        assert not paused.first_response_running
        assert paused.first_response_due_at is None
        assert paused.first_response_remaining_minutes == 40
        assert paused.first_response_met is None
        assert resumed.first_response_due_at == monday(15, 40)

    def test_only_the_first_reply_counts(self) -> None:
        state = sla(created(monday(10)), replied(monday(10, 5)), replied(monday(12)), now=monday(13))

        assert state.first_response_elapsed == timedelta(minutes=5)
        assert state.first_response_met is True

    def test_resolving_without_a_reply_stops_the_clock_undecided(self) -> None:
        state = sla(created(monday(10)), status(monday(10, 20), TicketStatus.RESOLVED), now=tuesday(12))

        assert not state.first_response_running
        assert state.first_response_met is None
        assert state.first_response_due_at is None
        assert state.first_response_remaining_minutes == 40


class TestResolution:
    def test_due_instant_counts_business_minutes_from_creation(self) -> None:
        state = sla(created(monday(10)), now=monday(10))

        assert state.resolution_running
        assert state.resolution_due_at == tuesday(10)
        assert state.resolution_remaining_minutes == 480

    def test_pending_customer_pauses_the_partner_clock(self) -> None:
        events = [
            created(monday(9)),
            replied(monday(9, 10)),
            status(monday(10), TicketStatus.PENDING_CUSTOMER),
        ]

        state = sla(*events, now=tuesday(12))

        assert state.paused
        assert not state.resolution_running
        assert state.resolution_due_at is None
        assert state.resolution_remaining_minutes == 420
        assert state.partner_elapsed_minutes == 60
        assert state.microsoft_elapsed_minutes == 0

    def test_resuming_recomputes_the_due_instant_from_the_resume_point(self) -> None:
        events = [
            created(monday(9)),
            replied(monday(9, 10)),
            status(monday(10), TicketStatus.PENDING_CUSTOMER),
            status(tuesday(12), TicketStatus.OPEN),
        ]

        state = sla(*events, now=tuesday(12))

        # 300 of the remaining 420 minutes fit into Tuesday afternoon.
        assert state.resolution_due_at == utc(2024, 1, 10, 11)
        assert not state.paused

    def test_pending_microsoft_runs_a_separate_clock(self) -> None:
        events = [
            created(monday(9)),
            replied(monday(9, 5)),
            status(monday(11), TicketStatus.PENDING_MICROSOFT),
        ]

        state = sla(*events, now=tuesday(11))

        assert state.paused
        assert state.status is TicketStatus.PENDING_MICROSOFT
        assert state.partner_elapsed_minutes == 120
        assert state.microsoft_elapsed_minutes == 360 + 120
        assert not state.resolution_breached
        assert state.resolution_due_at is None
        assert state.resolution_remaining_minutes == 360

    def test_microsoft_time_never_counts_against_the_partner_target(self) -> None:
        events = [
            created(monday(9)),
            replied(monday(9, 5)),
            status(monday(11), TicketStatus.PENDING_MICROSOFT),
            status(tuesday(11), TicketStatus.OPEN),
        ]

        at_due = sla(*events, now=tuesday(17))
        just_after = sla(*events, now=tuesday(17) + ONE_MICROSECOND)

        assert at_due.resolution_due_at == tuesday(17)
        assert at_due.partner_elapsed_minutes == 480
        assert at_due.microsoft_elapsed_minutes == 480
        assert not at_due.resolution_breached
        assert just_after.resolution_breached

    def test_resolving_stops_every_clock(self) -> None:
        events = [created(monday(9)), replied(monday(9, 10)), status(monday(12), TicketStatus.RESOLVED)]

        state = sla(*events, now=utc(2024, 1, 12, 12))

        assert not state.resolution_running
        assert not state.paused
        assert state.resolution_due_at is None
        assert state.partner_elapsed_minutes == 180
        assert not state.resolution_breached
        assert not state.breaching_within(10_000)

    def test_reopening_resumes_the_partner_clock(self) -> None:
        events = [
            created(monday(9)),
            replied(monday(9, 10)),
            status(monday(12), TicketStatus.CLOSED),
            reopened(utc(2024, 1, 10, 9)),
        ]

        state = sla(*events, now=utc(2024, 1, 10, 10))

        assert state.status is TicketStatus.OPEN
        assert state.partner_elapsed_minutes == 240
        assert state.resolution_due_at == utc(2024, 1, 10, 14)

    def test_resolving_exactly_at_the_due_instant_meets_the_target(self) -> None:
        state = sla(created(monday(9)), status(monday(17), TicketStatus.RESOLVED), now=utc(2024, 1, 10))

        assert not state.resolution_breached

    def test_closing_after_the_due_instant_stays_breached(self) -> None:
        state = sla(created(monday(9)), status(tuesday(10), TicketStatus.CLOSED), now=utc(2024, 1, 20))

        assert state.resolution_breached
        assert state.resolution_due_at == monday(17)
        assert state.partner_elapsed_minutes == 540


class TestBreachingWithin:
    def test_warns_when_a_running_clock_is_within_the_given_business_minutes(self) -> None:
        state = sla(created(monday(10)), now=monday(10, 15))

        assert state.breaching_within(45)
        assert not state.breaching_within(44)

    def test_counts_business_minutes_so_it_warns_all_weekend(self) -> None:
        state = sla(created(utc(2024, 1, 12, 16, 30)), now=utc(2024, 1, 13, 10))

        assert state.breaching_within(30)

    def test_paused_clocks_do_not_warn(self) -> None:
        events = [created(monday(10)), status(monday(10, 50), TicketStatus.PENDING_CUSTOMER)]

        assert not sla(*events, now=monday(11)).breaching_within(60)

    def test_breached_clocks_do_not_warn_again(self) -> None:
        state = sla(created(monday(10)), now=monday(12))

        assert state.first_response_breached
        assert not state.breaching_within(60)
        assert state.breaching_within(420)  # the resolution clock still has 420 minutes left


class TestRounding:
    def test_elapsed_rounds_down_and_remaining_rounds_up(self) -> None:
        state = sla(created(monday(9)), now=monday(9, 0, 59))

        assert state.partner_elapsed_minutes == 0
        assert state.first_response_remaining_minutes == 60
        assert state.first_response_remaining == timedelta(seconds=3541)

    def test_elapsed_and_remaining_minutes_add_up_to_the_target(self) -> None:
        state = sla(created(monday(9)), now=monday(9, 10, 30))

        assert state.partner_elapsed_minutes + state.resolution_remaining_minutes == 480


class TestCalendars:
    def test_due_instant_follows_the_local_calendar_across_a_dst_change(self) -> None:
        berlin = calendar("Europe/Berlin")
        friday_evening = local("Europe/Berlin", 2024, 3, 29, 17)

        state = compute_sla(berlin, SlaTargets(120, 960), [created(friday_evening)], friday_evening)

        assert state.first_response_due_at == local("Europe/Berlin", 2024, 4, 1, 10)
        assert state.first_response_due_at == utc(2024, 4, 1, 8)

    def test_a_ticket_created_on_a_utc_sunday_is_due_on_the_auckland_monday(self) -> None:
        auckland = calendar("Pacific/Auckland", ["09:00-17:00"])
        sunday_utc = utc(2024, 1, 7, 19)  # 08:00 on Monday in Auckland

        state = compute_sla(auckland, TARGETS, [created(sunday_utc)], sunday_utc)

        assert state.first_response_due_at == utc(2024, 1, 7, 21)


class TestEvents:
    def test_events_after_now_are_ignored(self) -> None:
        state = sla(created(monday(10)), replied(monday(12)), now=monday(10, 30))

        assert state.first_response_met is None
        assert state.first_response_running

    def test_event_times_are_normalised_to_utc(self) -> None:
        assert created(local("Asia/Tokyo", 2024, 1, 8, 9)).at == utc(2024, 1, 8)

    @pytest.mark.parametrize(
        ("events", "message"),
        [
            ([], "first event must be 'created'"),
            ([replied(monday(9))], "first event must be 'created'"),
            ([created(monday(13))], "at or before now"),
            ([created(monday(9)), created(monday(10))], "unexpected created event"),
            ([created(monday(10)), replied(monday(9))], "events must be in time order"),
        ],
    )
    def test_malformed_histories_are_rejected(self, events: list[TicketEvent], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            compute_sla(OFFICE, TARGETS, events, monday(12))

    def test_status_changed_needs_a_target_status_and_only_it(self) -> None:
        with pytest.raises(ValueError, match="to_status"):
            TicketEvent(monday(9), TicketEvent.created(monday(9)).kind, TicketStatus.OPEN)
        with pytest.raises(ValueError, match="to_status"):
            TicketEvent(monday(9), status(monday(9), TicketStatus.OPEN).kind)

    def test_naive_datetimes_are_rejected(self) -> None:
        naive = monday(9).replace(tzinfo=None)

        with pytest.raises(ValueError, match="timezone-aware"):
            created(naive)
        with pytest.raises(ValueError, match="timezone-aware"):
            sla(created(monday(9)), now=naive)

    @pytest.mark.parametrize(("first_response", "resolution"), [(0, 60), (60, 0), (-5, 60)])
    def test_targets_must_be_positive(self, first_response: int, resolution: int) -> None:
        with pytest.raises(ValueError, match="positive"):
            SlaTargets(first_response, resolution)
