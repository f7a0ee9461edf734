"""Weekly working hours on the engineer's own clock: parsing, DST, overnight shifts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticket_core.working_hours import WeeklyHours, parse_hours, zone


def test_parse_groups_days_and_round_trips() -> None:
    hours = WeeklyHours.parse("mon-fri 09:00-18:00; sat 10:00-14:00")
    assert hours.days[0] == ((540, 1080),)
    assert hours.days[4] == ((540, 1080),)
    assert hours.days[5] == ((600, 840),)
    assert hours.days[6] == ()
    assert hours.spec() == "mon-fri 09:00-18:00; sat 10:00-14:00"
    assert WeeklyHours.parse(hours.spec()) == hours
    split = WeeklyHours.parse("mon,wed 09:00-13:00, 14:00-18:00; daily 00:00-24:00")
    assert split.days[0] == ((0, 0), (540, 780), (840, 1080))
    assert split.spec().startswith("mon 00:00-24:00, 09:00-13:00")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("mon-fri", "give the days"),
        ("funday 09:00-18:00", "use mon..sun"),
        ("mon 9-18", "HH:MM"),
        ("mon 09:00-25:00", "not a time of day"),
        ("mon 09:70-18:00", "not a time of day"),
    ],
)
def test_bad_schedules_say_what_to_write(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WeeklyHours.parse(spec)


def test_no_schedule_means_none() -> None:
    assert parse_hours(None) is None
    assert parse_hours("  ") is None
    assert parse_hours("sat 10:00-14:00") == WeeklyHours.parse("sat 10:00-14:00")


def test_open_on_the_local_clock() -> None:
    hours = WeeklyHours.parse("mon-fri 09:00-18:00")
    # Monday 2026-03-02: 06:00 UTC is 09:00 in Moscow (UTC+3), 07:00 in Berlin (UTC+1).
    at = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert hours.is_open(at, "Europe/Moscow")
    assert not hours.is_open(at, "Europe/Berlin")
    assert not hours.is_open(datetime(2026, 3, 2, 15, 0, tzinfo=UTC), "Europe/Moscow")  # 18:00: closed
    assert not hours.is_open(datetime(2026, 3, 7, 9, 0, tzinfo=UTC), "Europe/Moscow")  # Saturday


def test_dst_moves_the_utc_window_with_the_clocks() -> None:
    hours = WeeklyHours.parse("daily 09:00-18:00")
    # Berlin: CET (UTC+1) until Sunday 2026-03-29 02:00, then CEST (UTC+2).
    assert not hours.is_open(datetime(2026, 3, 28, 7, 30, tzinfo=UTC), "Europe/Berlin")  # 08:30 CET
    assert hours.is_open(datetime(2026, 3, 29, 7, 30, tzinfo=UTC), "Europe/Berlin")  # 09:30 CEST
    assert hours.is_open(datetime(2026, 3, 28, 16, 30, tzinfo=UTC), "Europe/Berlin")  # 17:30 CET
    assert not hours.is_open(datetime(2026, 3, 29, 16, 30, tzinfo=UTC), "Europe/Berlin")  # 18:30 CEST


def test_overnight_shift_spills_into_the_next_day() -> None:
    hours = WeeklyHours.parse("fri 22:00-06:00")
    assert hours.is_open(datetime(2026, 3, 6, 23, 0, tzinfo=UTC), "UTC")  # Friday 23:00
    assert hours.is_open(datetime(2026, 3, 7, 5, 59, tzinfo=UTC), "UTC")  # Saturday 05:59
    assert not hours.is_open(datetime(2026, 3, 7, 6, 0, tzinfo=UTC), "UTC")
    assert not hours.is_open(datetime(2026, 3, 6, 5, 0, tzinfo=UTC), "UTC")  # Friday morning
    sunday = WeeklyHours.parse("sun 20:00-04:00")
    assert sunday.is_open(datetime(2026, 3, 9, 3, 0, tzinfo=UTC), "UTC")  # Monday 03:00


def test_unknown_time_zone_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="IANA"):
        zone("Mars/Olympus")


def test_business_calendars_read_hours_as_schedules_do() -> None:
    """One parser: the hours of an SLA calendar and an engineer's schedule accept and mean the same."""
    from datetime import time

    from ticket_core.working_hours import weekly_from_spec

    schedule = WeeklyHours.parse("daily 09:00-13:00, 14:00-18:00; sat 22:00-24:00")
    week = weekly_from_spec(
        {"mon-fri,sun": "09:00-13:00, 14:00-18:00", "sat": "09:00-13:00,14:00-18:00,22:00-24:00"}
    )
    as_minutes = tuple(
        tuple((a.hour * 60 + a.minute, b.hour * 60 + b.minute) for a, b in day) for day in week
    )
    assert as_minutes == schedule.days
    assert week[0][0] == (time(9), time(13))
    with pytest.raises(ValueError, match="not a time of day"):
        weekly_from_spec({"mon": "09:70-18:00"})
