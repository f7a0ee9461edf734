"""Business calendar arithmetic: examples for each hard case, then properties against a wall-clock oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticket_core.sla import (
    CALENDAR_24X7,
    BusinessCalendar,
    add_business_time,
    business_time_between,
    is_working,
    next_working_instant,
    parse_intervals,
    weekly_from_spec,
)
from ticket_core.sla.calendar import _between, _walk_add

from .conftest import OFFICE, PLAIN, berlin, hours, new_york

# --- examples -------------------------------------------------------------------------------------------


def test_within_one_day() -> None:
    assert add_business_time(OFFICE, berlin(2026, 3, 2, 9, 0), hours(2)) == berlin(2026, 3, 2, 11, 0)


def test_lunch_break_is_skipped() -> None:
    assert add_business_time(OFFICE, berlin(2026, 3, 2, 12, 0), hours(2)) == berlin(2026, 3, 2, 15, 0)
    assert business_time_between(OFFICE, berlin(2026, 3, 2, 12, 30), berlin(2026, 3, 2, 14, 30)) == hours(1)


def test_night_is_skipped() -> None:
    assert add_business_time(OFFICE, berlin(2026, 3, 2, 17, 0), hours(3)) == berlin(2026, 3, 3, 11, 0)


def test_weekend_is_skipped() -> None:
    assert add_business_time(OFFICE, berlin(2026, 3, 6, 16, 30), hours(2)) == berlin(2026, 3, 9, 9, 30)
    assert business_time_between(OFFICE, berlin(2026, 3, 6, 16, 30), berlin(2026, 3, 9, 9, 30)) == hours(2)


def test_holiday_is_skipped() -> None:
    # 1 May 2026 is a Friday holiday: Thursday 17:00 + 2 h lands on Monday 10:00.
    assert add_business_time(OFFICE, berlin(2026, 4, 30, 17, 0), hours(2)) == berlin(2026, 5, 4, 10, 0)
    assert business_time_between(OFFICE, berlin(2026, 5, 1, 0, 0), berlin(2026, 5, 2, 0, 0)) == timedelta(0)


def test_extra_working_day_counts() -> None:
    cal = BusinessCalendar.office(
        "sat",
        "Europe/Berlin",
        extra_working_days={date(2026, 3, 7): "10:00-14:00"},
        holidays=[date(2026, 3, 9)],
    )
    assert add_business_time(cal, berlin(2026, 3, 6, 17, 0), hours(2)) == berlin(2026, 3, 7, 11, 0)
    assert add_business_time(cal, berlin(2026, 3, 7, 13, 0), hours(2)) == berlin(2026, 3, 10, 10, 0)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (berlin(2026, 3, 2, 7, 0), berlin(2026, 3, 2, 10, 0)),  # before opening
        (berlin(2026, 3, 2, 13, 20), berlin(2026, 3, 2, 15, 0)),  # in lunch
        (berlin(2026, 3, 2, 19, 0), berlin(2026, 3, 3, 10, 0)),  # after closing
        (berlin(2026, 3, 7, 12, 0), berlin(2026, 3, 9, 10, 0)),  # Saturday
    ],
)
def test_start_outside_hours_counts_from_next_opening(start: datetime, expected: datetime) -> None:
    assert add_business_time(OFFICE, start, hours(1)) == expected


def test_zero_duration_returns_start_even_outside_hours() -> None:
    start = berlin(2026, 3, 7, 12, 0)
    assert add_business_time(OFFICE, start, timedelta(0)) == start


def test_spring_forward_day_in_berlin_has_its_real_length() -> None:
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST, so 01:00-04:00 lasts two hours.
    night = BusinessCalendar("night", "Europe/Berlin", weekly_from_spec({"mon-sun": "01:00-04:00"}))
    assert business_time_between(night, berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 29, 12, 0)) == hours(2)
    assert business_time_between(night, berlin(2026, 3, 28, 0, 0), berlin(2026, 3, 28, 12, 0)) == hours(3)
    assert add_business_time(night, berlin(2026, 3, 29, 1, 0), hours(2)) == berlin(2026, 3, 29, 4, 0)


def test_fall_back_day_in_berlin_has_its_real_length() -> None:
    # 25 October 2026: 03:00 CEST goes back to 02:00 CET, so 01:00-04:00 lasts four hours.
    night = BusinessCalendar("night", "Europe/Berlin", weekly_from_spec({"mon-sun": "01:00-04:00"}))
    start = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # 00:00 CEST on the 25th
    assert business_time_between(night, start, start + hours(12)) == hours(4)
    assert add_business_time(night, start, hours(4)) == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)


def test_boundary_inside_the_dst_gap_moves_to_the_end_of_the_gap() -> None:
    # 02:30 does not exist on 29 March 2026 in Berlin; work starts when the clocks show 03:00.
    cal = BusinessCalendar("gap", "Europe/Berlin", weekly_from_spec({"sun": "02:30-04:00"}))
    assert next_working_instant(cal, berlin(2026, 3, 29, 0, 0)) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert business_time_between(cal, berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30, 0, 0)) == hours(1)


def test_office_across_us_spring_forward_weekend() -> None:
    ny = BusinessCalendar.office("ny", "America/New_York")
    # Friday 16:00 EST + 4 h: two hours on Friday, then Monday 09:00 EDT + 2 h.
    due = add_business_time(ny, new_york(2026, 3, 6, 16, 0), hours(4))
    assert due == new_york(2026, 3, 9, 11, 0)
    assert due == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def test_24x7_in_a_dst_zone_counts_real_hours() -> None:
    cal = BusinessCalendar("round", "America/New_York", weekly_from_spec({"mon-sun": "00:00-00:00"}))
    assert cal.is_24x7
    start = new_york(2026, 3, 7, 12, 0)
    assert add_business_time(cal, start, hours(48)) == start + hours(48)
    assert add_business_time(CALENDAR_24X7, start, timedelta(days=30)) == start + timedelta(days=30)
    assert business_time_between(CALENDAR_24X7, start, start + hours(5)) == hours(5)


def test_24x7_with_a_holiday_is_not_always_open() -> None:
    cal = BusinessCalendar(
        "round", "Europe/Berlin", weekly_from_spec({"mon-sun": "00:00-00:00"}), holidays={date(2026, 3, 4)}
    )
    assert not cal.is_24x7
    assert business_time_between(cal, berlin(2026, 3, 3, 12, 0), berlin(2026, 3, 5, 12, 0)) == hours(24)


def test_night_shift_crossing_midnight() -> None:
    # Shifts Mon-Fri 22:00-06:00 (the Friday shift ends Saturday 06:00).
    cal = BusinessCalendar("nights", "Europe/Berlin", weekly_from_spec({"mon-fri": "22:00-06:00"}))
    assert is_working(cal, berlin(2026, 3, 3, 2, 0))
    assert is_working(cal, berlin(2026, 3, 7, 5, 59))
    assert not is_working(cal, berlin(2026, 3, 7, 6, 0))
    assert not is_working(cal, berlin(2026, 3, 2, 2, 0))  # Monday 02:00: Sunday has no shift
    assert add_business_time(cal, berlin(2026, 3, 6, 23, 0), hours(8)) == berlin(2026, 3, 9, 23, 0)
    assert cal.weekly_working_time == hours(40)


def test_overlapping_days_are_merged() -> None:
    cal = BusinessCalendar(
        "overlap", "UTC", weekly_from_spec({"mon": "20:00-08:00", "tue": "06:00-10:00"})
    )  # Monday's shift runs into Tuesday's morning: one stretch 20:00-10:00
    assert cal.weekly_working_time == hours(14)
    start = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    assert business_time_between(cal, start, start + timedelta(days=1)) == hours(14)


def test_is_working_and_next_working_instant() -> None:
    assert is_working(OFFICE, berlin(2026, 3, 2, 9, 0))
    assert not is_working(OFFICE, berlin(2026, 3, 2, 13, 0))
    assert not is_working(OFFICE, berlin(2026, 3, 2, 18, 0))
    assert next_working_instant(OFFICE, berlin(2026, 3, 2, 13, 0)) == berlin(2026, 3, 2, 14, 0)
    assert next_working_instant(OFFICE, berlin(2026, 3, 2, 10, 0)) == berlin(2026, 3, 2, 10, 0)
    assert next_working_instant(OFFICE, berlin(2026, 4, 30, 18, 30)) == berlin(2026, 5, 4, 9, 0)


def test_long_duration_spans_weeks_holidays_and_dst() -> None:
    # 200 working hours = 25 working days of 8 h from Monday 2 March 09:00; 1 May is off.
    due = add_business_time(OFFICE, berlin(2026, 3, 2, 9, 0), hours(200))
    assert due == berlin(2026, 4, 3, 18, 0)
    assert business_time_between(OFFICE, berlin(2026, 3, 2, 9, 0), due) == hours(200)
    year = business_time_between(OFFICE, berlin(2026, 1, 1, 0, 0), berlin(2027, 1, 1, 0, 0))
    assert year == hours(8) * (261 - 1)  # 261 weekdays in 2026, one of them the 1 May holiday


def test_results_are_utc_and_other_zones_are_accepted() -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    due = add_business_time(OFFICE, start, hours(1))
    assert due.tzinfo is UTC
    assert due == berlin(2026, 3, 2, 10, 0)


# --- bad input ------------------------------------------------------------------------------------------


def test_naive_datetimes_are_refused_with_a_hint() -> None:
    naive = datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="no time zone"):
        add_business_time(OFFICE, naive, hours(1))
    with pytest.raises(ValueError, match="no time zone"):
        business_time_between(OFFICE, berlin(2026, 3, 2, 9, 0), naive)
    with pytest.raises(ValueError, match="no time zone"):
        is_working(OFFICE, naive)
    with pytest.raises(ValueError, match="no time zone"):
        next_working_instant(OFFICE, naive)


def test_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_time(OFFICE, berlin(2026, 3, 2, 9, 0), -hours(1))


def test_calendar_without_working_time_is_refused() -> None:
    with pytest.raises(ValueError, match="no working time"):
        BusinessCalendar("empty", "UTC", ((),) * 7)
    with pytest.raises(ValueError, match="no working time"):
        BusinessCalendar(
            "empty", "UTC", ((),) * 7, extra_working_days={date(2026, 3, 7): parse_intervals("9:00-10:00")}
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tz": "Mars/Olympus"}, "time zone"),
        ({"weekly": ((),) * 6}, "7 entries"),
        ({"weekly": weekly_from_spec({"mon": "09:00-12:00,11:00-13:00"})}, "overlap"),
        ({"weekly": weekly_from_spec({"mon": "22:00-02:00,23:00-23:30"})}, "past midnight"),
        ({"weekly": (((time(9, tzinfo=UTC), time(17)),), *((),) * 6)}, "without a time zone"),
        ({"holidays": {date(2026, 3, 7)}, "extra_working_days": {date(2026, 3, 7): ()}}, "both"),
    ],
)
def test_bad_calendars_are_refused(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "name": "bad",
        "tz": "UTC",
        "weekly": weekly_from_spec({"mon-fri": "09:00-18:00"}),
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"funday": "09:00-10:00"}, "unknown"),
        ({"mon-fri": "9 to 5"}, "HH:MM"),
        ({"mon-tue": "", "tue": ""}, "twice"),
    ],
)
def test_bad_weekly_specs_are_refused(spec: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        weekly_from_spec(spec)


def test_spec_accepts_single_digit_hours_and_24_00() -> None:
    assert parse_intervals("9:00-13:00, 14:00-24:00") == ((time(9), time(13)), (time(14), time(0)))
    cal = BusinessCalendar("late", "UTC", weekly_from_spec({"mon-sun": "14:00-24:00"}))
    assert cal.weekly_working_time == hours(70)


def test_weekly_spec_wraps_around_the_week() -> None:
    week = weekly_from_spec({"fri-mon": "10:00-12:00", "wed": "off"})
    assert [len(day) for day in week] == [1, 0, 0, 0, 1, 1, 1]


def test_with_timezone_keeps_hours_in_local_time() -> None:
    moscow = PLAIN.with_timezone("Europe/Moscow")
    start = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 09:00 in Moscow, 07:00 in Berlin
    assert is_working(moscow, start)
    assert not is_working(PLAIN, start)


# --- properties -----------------------------------------------------------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Europe/Moscow"]
# Boundaries on the quarter hour, never inside 01:00-03:00 where the DST hour of these zones is ambiguous.
QUARTERS = [time(h, m) for h in [0, *range(3, 24)] for m in (0, 15, 30, 45)]


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    week: list[tuple[tuple[time, time], ...]] = []
    for _ in range(7):
        cuts = sorted(draw(st.sets(st.sampled_from(QUARTERS), max_size=4)))
        pairs = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
        if len(cuts) % 2 == 1 and draw(st.booleans()):
            pairs.append((cuts[-1], draw(st.sampled_from(QUARTERS[:30]))))  # crosses midnight
        week.append(tuple(pairs))
    if not any(week):
        week[0] = ((time(9), time(17)),)
    base = date(2026, 3, 1)
    holidays = draw(st.sets(st.integers(0, 60).map(lambda k: base + timedelta(days=k)), max_size=6))
    try:
        return BusinessCalendar("random", draw(st.sampled_from(ZONES)), tuple(week), frozenset(holidays))
    except ValueError:
        # A crossing interval may end after the same day's next start; such a calendar is refused by design.
        return BusinessCalendar("random", "Europe/Berlin", weekly_from_spec({"mon-fri": "09:00-17:00"}))


instants = st.datetimes(
    min_value=datetime(2026, 2, 20),  # noqa: DTZ001 - hypothesis takes naive bounds with `timezones`
    max_value=datetime(2026, 4, 20),  # noqa: DTZ001
    timezones=st.just(UTC),
)
durations = st.integers(0, 60 * 24 * 40).map(lambda m: timedelta(minutes=m))
fine_durations = st.integers(0, 10**6 * 3600 * 24 * 30).map(lambda us: timedelta(microseconds=us))


def wall_clock_oracle(cal: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Count quarter hours whose local wall time lies in an interval of the day it started on."""
    zone = ZoneInfo(cal.tz)
    total = timedelta(0)
    t = start
    step = timedelta(minutes=15)
    while t < end:
        local = t.astimezone(zone)
        wall = local.time().replace(tzinfo=None)
        today, yesterday = local.date(), local.date() - timedelta(days=1)
        inside = any((s <= wall < e) if e > s else (wall >= s) for s, e in cal.hours_on(today)) or any(
            e <= s and wall < e for s, e in cal.hours_on(yesterday)
        )
        if inside:
            total += step
        t += step
    return total


@settings(max_examples=60, deadline=None)
@given(cal=calendars(), start=instants, length=st.integers(0, 4 * 24 * 4))
def test_business_time_matches_wall_clock_oracle(cal: BusinessCalendar, start: datetime, length: int) -> None:
    start = start.replace(minute=start.minute // 15 * 15, second=0, microsecond=0)
    end = start + timedelta(minutes=15 * length)
    assert business_time_between(cal, start, end) == wall_clock_oracle(cal, start, end)


@settings(max_examples=150, deadline=None)
@given(cal=calendars(), start=instants, d1=fine_durations, d2=fine_durations)
def test_add_is_additive(cal: BusinessCalendar, start: datetime, d1: timedelta, d2: timedelta) -> None:
    # For d1 == 0 the first hop stays at start, so both sides count from the same instant too.
    assert add_business_time(cal, start, d1 + d2) == add_business_time(
        cal, add_business_time(cal, start, d1), d2
    )


@settings(max_examples=150, deadline=None)
@given(cal=calendars(), start=instants, d=fine_durations)
def test_between_inverts_add(cal: BusinessCalendar, start: datetime, d: timedelta) -> None:
    due = add_business_time(cal, start, d)
    assert business_time_between(cal, start, due) == d
    if d > timedelta(0):
        # `due` is the earliest such instant: a microsecond earlier the duration has not elapsed yet.
        assert business_time_between(cal, start, due - timedelta(microseconds=1)) < d


@settings(max_examples=100, deadline=None)
@given(cal=calendars(), start=instants, d=st.integers(0, 60 * 24 * 120).map(lambda m: timedelta(minutes=m)))
def test_week_skipping_agrees_with_the_plain_walk(
    cal: BusinessCalendar, start: datetime, d: timedelta
) -> None:
    if d > timedelta(0):
        assert add_business_time(cal, start, d) == _walk_add(cal, start, d)
    end = start + d
    assert business_time_between(cal, start, end) == _between(cal, start, end)


@settings(max_examples=100, deadline=None)
@given(cal=calendars(), a=instants, b=instants, d=durations)
def test_add_is_monotonic_in_start(cal: BusinessCalendar, a: datetime, b: datetime, d: timedelta) -> None:
    a, b = min(a, b), max(a, b)
    assert add_business_time(cal, a, d) <= add_business_time(cal, b, d)


@settings(max_examples=100, deadline=None)
@given(cal=calendars(), at=instants)
def test_next_working_instant_is_working(cal: BusinessCalendar, at: datetime) -> None:
    nxt = next_working_instant(cal, at)
    assert nxt >= at
    assert is_working(cal, nxt)
    assert business_time_between(cal, at, nxt) == timedelta(0)
    assert is_working(cal, at) == (nxt == at)
