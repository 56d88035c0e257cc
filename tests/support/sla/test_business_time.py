from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from cspdesk.support.sla import (
    add_business_minutes,
    add_business_time,
    business_minutes_between,
    business_time_between,
    is_open,
    next_open,
)
from cspdesk.support.sla import business_time as business_time_module
from tests.support.sla.calendars import always_open, calendar, local, utc

BERLIN = "Europe/Berlin"
BERLIN_OFFICE = calendar(BERLIN, holidays=["2024-12-25", "2024-12-26"])
SPLIT_DAY = calendar("UTC", ["09:00-13:00", "14:00-18:00"])


class TestAddBusinessMinutes:
    def test_within_one_day(self) -> None:
        assert add_business_minutes(BERLIN_OFFICE, local(BERLIN, 2024, 1, 8, 10), 90) == utc(2024, 1, 8, 10, 30)

    def test_over_a_weekend(self) -> None:
        friday_late = local(BERLIN, 2024, 1, 12, 17)

        assert add_business_minutes(BERLIN_OFFICE, friday_late, 120) == local(BERLIN, 2024, 1, 15, 10)

    def test_over_holidays(self) -> None:
        christmas_eve = local(BERLIN, 2024, 12, 24, 17, 30)

        assert add_business_minutes(BERLIN_OFFICE, christmas_eve, 60) == local(BERLIN, 2024, 12, 27, 9, 30)

    def test_an_exact_fit_ends_at_closing_time_not_at_the_next_opening(self) -> None:
        monday_opening = local(BERLIN, 2024, 1, 8, 9)

        assert add_business_minutes(BERLIN_OFFICE, monday_opening, 540) == local(BERLIN, 2024, 1, 8, 18)
        assert add_business_minutes(BERLIN_OFFICE, monday_opening, 541) == local(BERLIN, 2024, 1, 9, 9, 1)

    @pytest.mark.parametrize(
        ("start", "expected"),
        [
            (local(BERLIN, 2024, 1, 13, 12), local(BERLIN, 2024, 1, 15, 9, 30)),
            (local(BERLIN, 2024, 1, 8, 6), local(BERLIN, 2024, 1, 8, 9, 30)),
            (local(BERLIN, 2024, 1, 8, 18), local(BERLIN, 2024, 1, 9, 9, 30)),
            (local(BERLIN, 2024, 1, 8, 19), local(BERLIN, 2024, 1, 9, 9, 30)),
        ],
        ids=["saturday", "before-opening", "at-closing", "after-closing"],
    )
    def test_outside_hours_counting_starts_at_the_next_opening(self, start: datetime, expected: datetime) -> None:
        assert add_business_minutes(BERLIN_OFFICE, start, 30) == expected

    def test_zero_minutes_is_the_instant_counting_starts(self) -> None:
        inside = local(BERLIN, 2024, 1, 8, 10, 15)

        assert add_business_minutes(BERLIN_OFFICE, inside, 0) == inside
        assert add_business_minutes(BERLIN_OFFICE, local(BERLIN, 2024, 1, 13), 0) == local(BERLIN, 2024, 1, 15, 9)

    def test_several_intervals_per_day_skip_the_lunch_break(self) -> None:
        assert add_business_minutes(SPLIT_DAY, utc(2024, 1, 8, 12, 30), 60) == utc(2024, 1, 8, 14, 30)
        assert add_business_minutes(SPLIT_DAY, utc(2024, 1, 8, 12, 30), 30) == utc(2024, 1, 8, 13)

    def test_always_open_calendar_adds_wall_clock_time(self) -> None:
        start = utc(2024, 2, 28, 23, 59, 30)

        assert add_business_minutes(always_open("UTC"), start, 100_000) == start + timedelta(minutes=100_000)

    def test_always_open_calendar_adds_real_time_across_years_of_dst_changes(self) -> None:
        start = local(BERLIN, 2024, 3, 30, 12).astimezone(UTC)

        result = add_business_minutes(always_open(BERLIN), start, 10_000_000)

        assert result == start + timedelta(minutes=10_000_000)

    def test_keeps_sub_second_precision(self) -> None:
        start = utc(2024, 1, 8, 9) + timedelta(microseconds=250)

        assert add_business_time(SPLIT_DAY, start, timedelta(hours=4)) == utc(2024, 1, 8, 14) + timedelta(
            microseconds=250
        )

    def test_result_is_utc_even_for_local_input(self) -> None:
        result = add_business_minutes(BERLIN_OFFICE, local(BERLIN, 2024, 1, 8, 10), 1)

        assert result.tzinfo is UTC

    def test_negative_minutes_are_rejected(self) -> None:
        with pytest.raises(ValueError, match="must not be negative"):
            add_business_minutes(BERLIN_OFFICE, utc(2024, 1, 8), -1)


class TestLargeValues:
    def test_100_000_minutes_over_dst_and_many_weeks(self) -> None:
        start = local(BERLIN, 2024, 1, 8, 9)
        # 37 weeks of 5 x 540 minutes make 99,900; the remaining 100 run from Monday 09:00.
        expected = local(BERLIN, 2024, 9, 23, 10, 40)

        assert add_business_minutes(BERLIN_OFFICE, start, 100_000) == expected
        assert business_minutes_between(BERLIN_OFFICE, start, expected) == 100_000

    @pytest.mark.parametrize(
        "measure",
        [
            lambda start: add_business_minutes(BERLIN_OFFICE, start, 100_000),
            lambda start: business_minutes_between(BERLIN_OFFICE, start, local(BERLIN, 2024, 9, 23, 10, 40)),
        ],
        ids=["add", "between"],
    )
    def test_whole_regular_weeks_are_skipped_without_resolving_their_days(
        self, monkeypatch: pytest.MonkeyPatch, measure: Callable[[datetime], object]
    ) -> None:
        resolved_by_zone_lookup = _count_calls(monkeypatch, "_day_spans")
        resolved_at_known_offset = _count_calls(monkeypatch, "_day_spans_at_offset")

        measure(local(BERLIN, 2024, 1, 8, 9))

        # 259 days pass; only the partial first and last weeks and the DST week are resolved day by day.
        assert len(resolved_by_zone_lookup) + len(resolved_at_known_offset) <= 3 * 7

    def test_ten_million_minutes_round_trip(self) -> None:
        start = local(BERLIN, 2024, 5, 17, 11, 11)

        result = add_business_minutes(BERLIN_OFFICE, start, 10_000_000)

        assert business_minutes_between(BERLIN_OFFICE, start, result) == 10_000_000


class TestBusinessMinutesBetween:
    def test_over_a_weekend(self) -> None:
        friday_noon, monday_noon = local(BERLIN, 2024, 1, 12, 12), local(BERLIN, 2024, 1, 15, 12)

        assert business_minutes_between(BERLIN_OFFICE, friday_noon, monday_noon) == 6 * 60 + 3 * 60

    def test_over_holidays(self) -> None:
        start, end = local(BERLIN, 2024, 12, 24, 9), local(BERLIN, 2024, 12, 28)

        assert business_minutes_between(BERLIN_OFFICE, start, end) == 2 * 540

    def test_several_intervals_per_day(self) -> None:
        assert business_minutes_between(SPLIT_DAY, utc(2024, 1, 8, 12), utc(2024, 1, 8, 15)) == 120

    def test_rounds_down_to_whole_minutes(self) -> None:
        start, end = utc(2024, 1, 8, 9), utc(2024, 1, 8, 9, 1, 59) + timedelta(microseconds=500_000)

        assert business_minutes_between(SPLIT_DAY, start, end) == 1
        assert business_time_between(SPLIT_DAY, start, end) == timedelta(seconds=119.5)

    def test_closed_stretch_counts_nothing(self) -> None:
        assert business_minutes_between(SPLIT_DAY, utc(2024, 1, 8, 18), utc(2024, 1, 9, 9)) == 0

    def test_empty_range_counts_nothing(self) -> None:
        assert business_minutes_between(SPLIT_DAY, utc(2024, 1, 8, 10), utc(2024, 1, 8, 10)) == 0

    def test_always_open_year_with_holidays(self) -> None:
        year = always_open(BERLIN, holidays=["2024-03-31", "2024-12-25"])
        start, end = local(BERLIN, 2024, 1, 1), local(BERLIN, 2025, 1, 1)

        # 2024 has 366 days; the holiday on the spring-forward Sunday is 23 hours long.
        assert business_time_between(year, start, end) == timedelta(days=366) - timedelta(hours=23 + 24)

    def test_end_before_start_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="is before start"):
            business_minutes_between(SPLIT_DAY, utc(2024, 1, 9), utc(2024, 1, 8))


class TestOpening:
    def test_opening_instant_is_open_and_closing_instant_is_not(self) -> None:
        assert is_open(BERLIN_OFFICE, local(BERLIN, 2024, 1, 8, 9))
        assert is_open(BERLIN_OFFICE, local(BERLIN, 2024, 1, 8, 18) - timedelta(microseconds=1))
        assert not is_open(BERLIN_OFFICE, local(BERLIN, 2024, 1, 8, 18))
        assert not is_open(BERLIN_OFFICE, local(BERLIN, 2024, 12, 25, 12))

    def test_next_open_inside_hours_is_the_instant_itself(self) -> None:
        assert next_open(BERLIN_OFFICE, local(BERLIN, 2024, 1, 8, 12, 34)) == utc(2024, 1, 8, 11, 34)

    def test_next_open_after_friday_closing_is_monday_morning(self) -> None:
        assert next_open(BERLIN_OFFICE, local(BERLIN, 2024, 1, 12, 18)) == local(BERLIN, 2024, 1, 15, 9)

    def test_next_open_in_the_lunch_break(self) -> None:
        assert next_open(SPLIT_DAY, utc(2024, 1, 8, 13, 30)) == utc(2024, 1, 8, 14)
        assert not is_open(SPLIT_DAY, utc(2024, 1, 8, 13, 30))

    def test_always_open_calendar_is_open_across_midnight_and_week_boundaries(self) -> None:
        every_hour = always_open("UTC")
        sunday_midnight = utc(2024, 1, 15)

        assert is_open(every_hour, sunday_midnight)
        assert next_open(every_hour, sunday_midnight) == sunday_midnight


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: add_business_minutes(SPLIT_DAY, naive, 5),
        lambda naive: add_business_time(SPLIT_DAY, naive, timedelta(minutes=5)),
        lambda naive: business_minutes_between(SPLIT_DAY, naive, utc(2024, 1, 9)),
        lambda naive: business_minutes_between(SPLIT_DAY, utc(2024, 1, 1), naive),
        lambda naive: next_open(SPLIT_DAY, naive),
        lambda naive: is_open(SPLIT_DAY, naive),
    ],
    ids=["add_minutes", "add_time", "between_start", "between_end", "next_open", "is_open"],
)
def test_naive_datetimes_are_rejected(call: Callable[[datetime], object]) -> None:
    naive = utc(2024, 1, 8, 10).replace(tzinfo=None)

    with pytest.raises(ValueError, match="must be a timezone-aware datetime, got naive 2024-01-08T10:00:00"):
        call(naive)


def _count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[object]:
    calls: list[object] = []
    original: Callable[..., object] = getattr(business_time_module, name)

    def counting(*args: object) -> object:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(business_time_module, name, counting)
    return calls
