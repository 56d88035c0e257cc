from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cspdesk.support.sla import (
    WEEKDAY_NAMES,
    BusinessCalendar,
    add_business_minutes,
    add_business_time,
    business_minutes_between,
    business_time_between,
    is_open,
    next_open,
)

ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/St_Johns",
    "Asia/Tokyo",
    "Asia/Kathmandu",
    "Pacific/Auckland",
    "Australia/Lord_Howe",
]
EARLIEST = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 4 * 365 * 24 * 3600
QUARTER_HOURS = range(0, 24 * 60 + 1, 15)

slow_examples = settings(deadline=None, max_examples=150)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def day_hours(draw: st.DrawFn) -> list[str]:
    count = draw(st.integers(min_value=0, max_value=3))
    boundaries = sorted(draw(st.sets(st.sampled_from(QUARTER_HOURS), min_size=2 * count, max_size=2 * count)))
    return [f"{_hhmm(start)}-{_hhmm(end)}" for start, end in zip(boundaries[::2], boundaries[1::2], strict=True)]


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    hours = st.one_of(day_hours(), st.just(["00:00-24:00"]))
    week = st.fixed_dictionaries(dict.fromkeys(WEEKDAY_NAMES, hours))
    weekly_hours = draw(week.filter(lambda hours_by_day: any(hours_by_day.values())))
    holidays = draw(st.sets(st.dates(date(2023, 1, 1), date(2027, 12, 31)), max_size=12))
    return BusinessCalendar.from_dict(
        {
            "time_zone": draw(st.sampled_from(ZONES)),
            "weekly_hours": weekly_hours,
            "holidays": [holiday.isoformat() for holiday in holidays],
        }
    )


instants = st.builds(
    lambda seconds, micros: EARLIEST + timedelta(seconds=seconds, microseconds=micros),
    st.integers(min_value=0, max_value=SPAN_SECONDS),
    st.one_of(st.just(0), st.integers(min_value=0, max_value=999_999)),
)
durations = st.integers(min_value=0, max_value=14 * 24 * 3600).map(lambda seconds: timedelta(seconds=seconds))


def minutes_for(business_calendar: BusinessCalendar) -> st.SearchStrategy[int]:
    """Up to about 40 weeks of the calendar's business time, so sparse calendars stay fast."""
    weekly_minutes = business_calendar.weekly_open_time // timedelta(minutes=1)
    return st.integers(min_value=0, max_value=40 * weekly_minutes)


@slow_examples
@given(calendars(), instants, st.data())
def test_between_inverts_add_from_an_open_start(
    business_calendar: BusinessCalendar, instant: datetime, data: st.DataObject
) -> None:
    start = next_open(business_calendar, instant)
    minutes = data.draw(minutes_for(business_calendar))

    end = add_business_minutes(business_calendar, start, minutes)

    assert business_minutes_between(business_calendar, start, end) == minutes
    assert business_time_between(business_calendar, start, end) == timedelta(minutes=minutes)


@slow_examples
@given(calendars(), instants, durations)
def test_add_inverts_between_up_to_closed_time(
    business_calendar: BusinessCalendar, instant: datetime, wall_clock: timedelta
) -> None:
    start = next_open(business_calendar, instant)
    end = start + wall_clock

    reached = add_business_time(business_calendar, start, business_time_between(business_calendar, start, end))

    assert reached <= end
    assert business_time_between(business_calendar, reached, end) == timedelta()


@slow_examples
@given(calendars(), instants, st.data())
def test_add_is_strictly_monotonic_in_minutes(
    business_calendar: BusinessCalendar, start: datetime, data: st.DataObject
) -> None:
    fewer, more = sorted(data.draw(st.lists(minutes_for(business_calendar), min_size=2, max_size=2)))

    earlier = add_business_minutes(business_calendar, start, fewer)
    later = add_business_minutes(business_calendar, start, more)

    assert later - earlier >= timedelta(minutes=more - fewer)


@slow_examples
@given(calendars(), instants, st.data())
def test_adding_in_two_steps_equals_adding_at_once(
    business_calendar: BusinessCalendar, start: datetime, data: st.DataObject
) -> None:
    first = data.draw(minutes_for(business_calendar))
    second = data.draw(minutes_for(business_calendar).filter(bool))

    in_two_steps = add_business_minutes(
        business_calendar, add_business_minutes(business_calendar, start, first), second
    )

    assert in_two_steps == add_business_minutes(business_calendar, start, first + second)


@slow_examples
@given(calendars(), instants, durations, durations)
def test_between_is_additive_over_a_split_point(
    business_calendar: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    split, end = start + first, start + first + second

    whole = business_time_between(business_calendar, start, end)
    parts = business_time_between(business_calendar, start, split) + business_time_between(
        business_calendar, split, end
    )

    assert whole == parts
    assert whole <= end - start
    floored_parts = business_minutes_between(business_calendar, start, split) + business_minutes_between(
        business_calendar, split, end
    )
    assert business_minutes_between(business_calendar, start, end) - floored_parts in {0, 1}


@slow_examples
@given(calendars(), instants)
def test_next_open_is_the_first_open_instant(business_calendar: BusinessCalendar, instant: datetime) -> None:
    opening = next_open(business_calendar, instant)

    assert opening >= instant
    assert is_open(business_calendar, opening)
    assert business_time_between(business_calendar, instant, opening) == timedelta()
    assert is_open(business_calendar, instant) == (opening == instant)


@st.composite
def calendars_clear_of_dst_changes(draw: st.DrawFn) -> BusinessCalendar:
    """Calendars whose boundaries are midnight or 04:00 and later, away from every DST change of ZONES."""
    drawn = draw(calendars())
    shifted = [
        [f"{_hhmm(max(i.start_minute, 240))}-{_hhmm(i.end_minute)}" for i in day if i.end_minute > 240]
        for day in drawn.weekly_hours
    ]
    weekly_hours = dict(zip(WEEKDAY_NAMES, shifted, strict=True))
    weekly_hours["wednesday"] = ["00:00-24:00"]
    return BusinessCalendar.from_dict({**drawn.to_dict(), "weekly_hours": weekly_hours})


@slow_examples
@given(calendars_clear_of_dst_changes(), instants)
def test_is_open_matches_the_local_wall_clock(business_calendar: BusinessCalendar, instant: datetime) -> None:
    wall = instant.astimezone(business_calendar.zone)
    minute = wall.hour * 60 + wall.minute
    inside = any(i.start_minute <= minute < i.end_minute for i in business_calendar.hours_on(wall.date()))

    assert is_open(business_calendar, instant) == inside
