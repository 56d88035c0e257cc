from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from cspdesk.support.sla import (
    WEEKDAY_NAMES,
    BusinessCalendar,
    add_business_minutes,
    business_minutes_between,
    business_time_between,
    is_open,
    next_open,
)
from tests.support.sla.calendars import always_open, calendar, local, utc

BERLIN, MOSCOW, NEW_YORK = "Europe/Berlin", "Europe/Moscow", "America/New_York"
TOKYO, AUCKLAND, LORD_HOWE = "Asia/Tokyo", "Pacific/Auckland", "Australia/Lord_Howe"


def local_day_length(business_calendar: BusinessCalendar, day: date) -> timedelta:
    """Business time between the local midnights that bound `day`."""
    zone = business_calendar.zone
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return business_time_between(business_calendar, start, end)


@pytest.mark.parametrize(
    ("time_zone", "day", "hours"),
    [
        (BERLIN, date(2024, 3, 30), 24),
        (BERLIN, date(2024, 3, 31), 23),
        (BERLIN, date(2024, 10, 27), 25),
        (NEW_YORK, date(2024, 3, 10), 23),
        (NEW_YORK, date(2024, 11, 3), 25),
        (MOSCOW, date(2024, 3, 31), 24),
        (MOSCOW, date(2024, 10, 27), 24),
        (MOSCOW, date(2014, 10, 26), 25),  # the last change, from UTC+4 to UTC+3 for good
        (AUCKLAND, date(2024, 4, 7), 25),
        (AUCKLAND, date(2024, 9, 29), 23),
        (LORD_HOWE, date(2024, 4, 7), 24.5),  # a half-hour DST change
        (LORD_HOWE, date(2024, 10, 6), 23.5),
    ],
)
def test_a_24_hour_day_lasts_its_real_length(time_zone: str, day: date, hours: float) -> None:
    assert local_day_length(always_open(time_zone), day) == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("time_zone", "hours", "day", "expected"),
    [
        # The interval spans the skipped hour: only one real hour passes.
        (BERLIN, "01:00-03:00", date(2024, 3, 31), timedelta(hours=1)),
        (NEW_YORK, "01:00-03:00", date(2024, 3, 10), timedelta(hours=1)),
        # The interval spans the repeated hour: three real hours pass.
        (BERLIN, "01:00-03:00", date(2024, 10, 27), timedelta(hours=3)),
        (NEW_YORK, "01:00-03:00", date(2024, 11, 3), timedelta(hours=3)),
        # Both boundaries fall in the skipped hour, which never happens on the clock.
        (BERLIN, "02:00-03:00", date(2024, 3, 31), timedelta()),
        (NEW_YORK, "02:15-02:45", date(2024, 3, 10), timedelta()),
        # A skipped start opens at the jump; an ambiguous start opens at its first occurrence.
        (NEW_YORK, "02:30-05:00", date(2024, 3, 10), timedelta(hours=2)),
        (BERLIN, "02:30-04:00", date(2024, 10, 27), timedelta(hours=2, minutes=30)),
        # Ordinary office hours are unaffected by a change at night.
        (BERLIN, "09:00-18:00", date(2024, 3, 31), timedelta(hours=9)),
        (NEW_YORK, "09:00-18:00", date(2024, 11, 3), timedelta(hours=9)),
    ],
)
def test_an_interval_on_a_dst_change_day_lasts_the_real_elapsed_time(
    time_zone: str, hours: str, day: date, expected: timedelta
) -> None:
    every_day = calendar(time_zone, [hours], WEEKDAY_NAMES)

    assert local_day_length(every_day, day) == expected


def test_a_boundary_in_the_skipped_hour_resolves_to_the_jump() -> None:
    night_shift = calendar(NEW_YORK, ["02:30-05:00"], WEEKDAY_NAMES)

    # 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
    assert next_open(night_shift, utc(2024, 3, 10)) == utc(2024, 3, 10, 7)


def test_an_interval_inside_the_skipped_hour_never_opens_that_day() -> None:
    night_shift = calendar(BERLIN, ["02:00-03:00"], WEEKDAY_NAMES)

    assert next_open(night_shift, local(BERLIN, 2024, 3, 30, 23)) == local(BERLIN, 2024, 4, 1, 2)


@pytest.mark.parametrize(
    ("time_zone", "friday_late", "expected"),
    [
        # Spring forward on the weekend between; Monday 10:00 local time is then one hour earlier in UTC.
        (BERLIN, local(BERLIN, 2024, 3, 29, 16), utc(2024, 4, 1, 8)),
        (NEW_YORK, local(NEW_YORK, 2024, 3, 8, 16), utc(2024, 3, 11, 14)),
        (AUCKLAND, local(AUCKLAND, 2024, 9, 27, 16), utc(2024, 9, 29, 21)),
        # Fall back on the weekend between.
        (BERLIN, local(BERLIN, 2024, 10, 25, 16), utc(2024, 10, 28, 9)),
        (NEW_YORK, local(NEW_YORK, 2024, 11, 1, 16), utc(2024, 11, 4, 15)),
        (AUCKLAND, local(AUCKLAND, 2024, 4, 5, 16), utc(2024, 4, 7, 22)),
    ],
)
def test_adding_over_a_dst_weekend_lands_on_monday_local_time(
    time_zone: str, friday_late: datetime, expected: datetime
) -> None:
    office = calendar(time_zone, ["09:00-17:00"])

    assert add_business_minutes(office, friday_late, 120) == expected
    assert business_minutes_between(office, friday_late, expected) == 120


def test_moscow_office_hours_keep_the_same_utc_times_all_year() -> None:
    moscow = calendar(MOSCOW, days=WEEKDAY_NAMES)

    for day in (date(2024, 1, 15), date(2024, 3, 31), date(2024, 7, 1), date(2024, 10, 27)):
        opening = next_open(moscow, utc(day.year, day.month, day.day))
        assert opening == utc(day.year, day.month, day.day, 6)


def test_berlin_and_new_york_drift_apart_while_only_the_us_is_on_summer_time() -> None:
    berlin, new_york = calendar(BERLIN), calendar(NEW_YORK)
    monday = utc(2024, 3, 18)

    assert next_open(berlin, monday) == utc(2024, 3, 18, 8)
    assert next_open(new_york, monday) == utc(2024, 3, 18, 13)


class TestFarFromUtc:
    tokyo = calendar(TOKYO, ["08:00-17:00"])
    auckland = calendar(AUCKLAND, ["09:00-17:00"], holidays=["2024-01-08"])

    def test_tokyo_monday_morning_is_sunday_evening_in_utc(self) -> None:
        assert next_open(self.tokyo, utc(2024, 1, 7, 22)) == utc(2024, 1, 7, 23)
        assert is_open(self.tokyo, utc(2024, 1, 7, 23, 30))
        assert not is_open(self.tokyo, utc(2024, 1, 8, 8, 30))

    def test_a_utc_day_holds_parts_of_two_tokyo_business_days(self) -> None:
        # UTC Monday 00:00-24:00 covers Monday 09:00-17:00 and Tuesday 08:00-09:00 in Tokyo.
        assert business_minutes_between(self.tokyo, utc(2024, 1, 8), utc(2024, 1, 9)) == 8 * 60 + 60

    def test_tokyo_friday_afternoon_plus_an_hour_is_sunday_in_utc(self) -> None:
        assert add_business_minutes(self.tokyo, local(TOKYO, 2024, 1, 12, 16, 30), 60) == utc(2024, 1, 14, 23, 30)

    def test_auckland_local_holiday_closes_a_utc_sunday_evening(self) -> None:
        # Monday 8 January 09:00 NZDT would be Sunday 20:00 UTC, but it is a holiday.
        assert not is_open(self.auckland, utc(2024, 1, 7, 21))
        assert next_open(self.auckland, utc(2024, 1, 7, 21)) == utc(2024, 1, 8, 20)

    def test_auckland_business_day_spans_two_utc_dates(self) -> None:
        tuesday = local(AUCKLAND, 2024, 1, 9)

        assert next_open(self.auckland, tuesday) == utc(2024, 1, 8, 20)
        assert add_business_minutes(self.auckland, tuesday, 8 * 60) == utc(2024, 1, 9, 4)


ORACLE_CALENDARS = [
    always_open(BERLIN),
    always_open(AUCKLAND, holidays=["2024-04-07"]),
    BusinessCalendar.from_dict(
        {
            "time_zone": NEW_YORK,
            "weekly_hours": {
                "monday": ["07:00-12:00", "13:00-17:45"],
                "wednesday": ["00:00-24:00"],
                "friday": ["07:00-12:00", "13:00-17:45"],
                "saturday": ["10:00-14:00"],
                "sunday": ["00:00-06:00", "08:15-24:00"],
            },
            "holidays": ["2024-07-04", "2024-11-28"],
        }
    ),
    calendar(LORD_HOWE, ["04:00-12:00", "12:30-23:45"], WEEKDAY_NAMES[1:], holidays=["2024-12-25"]),
]


@pytest.mark.parametrize("business_calendar", ORACLE_CALENDARS, ids=lambda c: c.time_zone)
def test_a_whole_year_agrees_with_sampling_the_local_clock(business_calendar: BusinessCalendar) -> None:
    # Every boundary is at least 15 minutes away from any ambiguous or skipped local time, so an instant
    # is open exactly when its local wall-clock time lies inside that local day's hours.
    step = timedelta(minutes=15)
    samples = _sample_local_clock(business_calendar, date(2024, 1, 1), date(2025, 1, 1), step)
    sampled_per_day: defaultdict[date, timedelta] = defaultdict(timedelta)
    for _, day, is_inside in samples:
        sampled_per_day[day] += step if is_inside else timedelta()
    zone = business_calendar.zone

    for day, sampled in sampled_per_day.items():
        assert local_day_length(business_calendar, day) == sampled, day
    year = business_time_between(
        business_calendar, datetime(2024, 1, 1, tzinfo=zone), datetime(2025, 1, 1, tzinfo=zone)
    )
    assert year == sum(sampled_per_day.values(), timedelta())
    for instant, _, is_inside in samples[::7]:
        assert is_open(business_calendar, instant) == is_inside, instant


def _sample_local_clock(
    business_calendar: BusinessCalendar, first: date, end: date, step: timedelta
) -> list[tuple[datetime, date, bool]]:
    """(instant, local date, inside that date's hours) every `step` from local midnight of `first` to `end`."""
    zone = business_calendar.zone
    instant = datetime(first.year, first.month, first.day, tzinfo=zone).astimezone(UTC)
    last = datetime(end.year, end.month, end.day, tzinfo=zone)
    samples = []
    while instant < last:
        wall = instant.astimezone(zone)
        minute = wall.hour * 60 + wall.minute
        hours = business_calendar.hours_on(wall.date())
        samples.append((instant, wall.date(), any(i.start_minute <= minute < i.end_minute for i in hours)))
        instant += step
    return samples
