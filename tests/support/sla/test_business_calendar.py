import json
from datetime import date, timedelta

import pytest

from cspdesk.support.sla import BusinessCalendar, CalendarError, OpeningInterval
from tests.support.sla.calendars import calendar

SPLIT_DAY = {
    "time_zone": "Europe/Berlin",
    "weekly_hours": {
        "monday": ["14:00-18:00", "09:00-13:00"],
        "tuesday": ["00:00-24:00"],
        "saturday": ["10:00-12:00"],
    },
    "holidays": ["2024-12-26", "2024-12-25"],
}


def test_from_dict_reads_intervals_in_order_and_holidays() -> None:
    parsed = BusinessCalendar.from_dict(SPLIT_DAY)

    assert parsed.weekly_hours[0] == (OpeningInterval(540, 780), OpeningInterval(840, 1080))
    assert parsed.weekly_hours[1] == (OpeningInterval(0, 1440),)
    assert parsed.weekly_hours[2] == ()
    assert parsed.holidays == {date(2024, 12, 25), date(2024, 12, 26)}
    assert parsed.weekly_open_time == timedelta(hours=8 + 24 + 2)


def test_to_dict_lists_every_weekday_and_sorted_holidays() -> None:
    assert BusinessCalendar.from_dict(SPLIT_DAY).to_dict() == {
        "time_zone": "Europe/Berlin",
        "weekly_hours": {
            "monday": ["09:00-13:00", "14:00-18:00"],
            "tuesday": ["00:00-24:00"],
            "wednesday": [],
            "thursday": [],
            "friday": [],
            "saturday": ["10:00-12:00"],
            "sunday": [],
        },
        "holidays": ["2024-12-25", "2024-12-26"],
    }


def test_json_round_trip_gives_an_equal_calendar() -> None:
    original = BusinessCalendar.from_dict(SPLIT_DAY)

    assert BusinessCalendar.from_dict(json.loads(json.dumps(original.to_dict()))) == original


def test_calendars_are_hashable_values() -> None:
    assert hash(calendar("Asia/Tokyo")) == hash(calendar("Asia/Tokyo"))
    assert calendar("Asia/Tokyo") != calendar("Asia/Tokyo", holidays=["2024-01-01"])


def test_touching_intervals_are_allowed() -> None:
    touching = calendar("UTC", ["09:00-13:00", "13:00-18:00"])

    assert touching.weekly_open_time == timedelta(hours=9 * 5)


def test_holidays_close_the_whole_local_day() -> None:
    with_holiday = calendar("UTC", holidays=["2024-01-01"])

    assert with_holiday.hours_on(date(2024, 1, 1)) == ()
    assert with_holiday.hours_on(date(2024, 1, 8)) == (OpeningInterval(540, 1080),)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (["09:00-13:00", "12:00-18:00"], "monday: intervals 09:00-13:00 and 12:00-18:00 overlap"),
        (["09:00-18:00", "09:00-18:00"], "overlap"),
        (["18:00-09:00"], "monday: interval 18:00-09:00: end must be after start"),
        (["09:00-09:00"], "end must be after start"),
        (["09:00-24:30"], "end must not be after 24:00"),
        (["24:00-24:00"], "start must be between 00:00 and 23:59"),
        (["09:60-10:00"], "minutes must be between 00 and 59"),
        (["9:00-18:00"], "expected the form 'HH:MM-HH:MM'"),
        (["09:00 - 18:00"], "expected the form 'HH:MM-HH:MM'"),
    ],
)
def test_invalid_intervals_are_rejected_with_a_clear_message(hours: list[str], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar.from_dict({"time_zone": "UTC", "weekly_hours": {"monday": hours}})


@pytest.mark.parametrize("time_zone", ["Europe/Berln", "europe/berlin", "Europe", "", "../etc/passwd"])
def test_unknown_time_zone_is_rejected(time_zone: str) -> None:
    with pytest.raises(CalendarError, match="unknown time zone"):
        calendar(time_zone)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekly_hours": {"monday": ["09:00-17:00"]}}, "time_zone must be an IANA time zone name"),
        ({"time_zone": "UTC", "weekly_hours": {"mon": ["09:00-17:00"]}}, "unknown weekday names: mon"),
        ({"time_zone": "UTC", "weekly_hours": {"monday": "09:00-17:00"}}, "monday: expected a list"),
        ({"time_zone": "UTC", "weekly_hours": ["09:00-17:00"]}, "weekly_hours must map weekday names"),
        ({"time_zone": "UTC", "weekly_hours": {}}, "no opening interval on any day"),
        ({"time_zone": "UTC"}, "no opening interval on any day"),
        ({"time_zone": "UTC", "weekly_hours": {"monday": ["09:00-17:00"]}, "tz": "UTC"}, "unknown calendar keys"),
        (
            {"time_zone": "UTC", "weekly_hours": {"monday": ["09:00-17:00"]}, "holidays": ["2024-02-30"]},
            "holiday '2024-02-30'",
        ),
        (
            {"time_zone": "UTC", "weekly_hours": {"monday": ["09:00-17:00"]}, "holidays": "2024-01-01"},
            "holidays must be a list",
        ),
    ],
)
def test_invalid_dict_forms_are_rejected(data: dict[str, object], message: str) -> None:
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar.from_dict(data)


def test_direct_construction_needs_seven_days() -> None:
    with pytest.raises(CalendarError, match="7 days"):
        BusinessCalendar("UTC", ((OpeningInterval(540, 1020),),))


def test_calendar_errors_are_value_errors() -> None:
    assert issubclass(CalendarError, ValueError)
