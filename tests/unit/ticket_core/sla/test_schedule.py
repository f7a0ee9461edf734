"""Maintenance schedules: cron with nth/last weekday, plain English, time zones and DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.ticket_core.sla.conftest import BERLIN, berlin
from ticket_core.sla.schedule import ScheduleError, next_run, parse_schedule


def runs(schedule: str, after: datetime, n: int, tz: str = "Europe/Berlin") -> list[datetime]:
    out = []
    for _ in range(n):
        after = next_run(schedule, after, tz)
        out.append(after)
    return out


def test_first_monday_of_each_month_in_plain_english() -> None:
    got = runs("first Monday of each month at 09:00", berlin(2026, 3, 1), 4)
    assert got == [berlin(2026, 3, 2, 9), berlin(2026, 4, 6, 9), berlin(2026, 5, 4, 9), berlin(2026, 6, 1, 9)]


def test_english_and_cron_forms_agree() -> None:
    start = berlin(2026, 1, 1)
    pairs = [
        ("first monday of every month at 9:00", "0 9 * * mon#1"),
        ("last friday of every month at 16:30", "30 16 * * fri#L"),
        ("last friday of every month at 16:30", "30 16 * * 5L"),
        ("every monday at 10:00", "0 10 * * 1"),
        ("every weekday at 08:00", "0 8 * * mon-fri"),
        ("day 15 of each month at 10:00", "0 10 15 * *"),
        ("last day of every month", "0 9 L * *"),
        ("second tuesday of every 3 months", "0 9 * 1/3 tue#2"),
    ]
    for english, cron in pairs:
        assert runs(english, start, 6) == runs(cron, start, 6), english


def test_last_weekday_and_last_day_follow_month_length() -> None:
    assert runs("last friday of every month", berlin(2026, 1, 1), 3) == [
        berlin(2026, 1, 30, 9),
        berlin(2026, 2, 27, 9),
        berlin(2026, 3, 27, 9),
    ]
    assert runs("last day of every month", berlin(2028, 1, 31, 10), 2) == [
        berlin(2028, 2, 29, 9),
        berlin(2028, 3, 31, 9),
    ]
    # day 31 simply skips the months that have none
    assert [d.month for d in runs("day 31 of each month", berlin(2026, 1, 1), 4)] == [1, 3, 5, 7]


def test_every_three_months_counts_from_january() -> None:
    months = [d.month for d in runs("second tuesday of every 3 months", berlin(2026, 2, 1), 4)]
    assert months == [4, 7, 10, 1]


def test_cron_day_fields_or_together_as_in_cron() -> None:
    # the 13th OR any Friday
    got = runs("0 9 13 * fri", berlin(2026, 4, 1), 4)
    assert [d.astimezone(BERLIN).day for d in got] == [3, 10, 13, 17]  # 13 April 2026 is a Monday
    # Friday 13 February matches both fields and still runs once.
    assert [d.astimezone(BERLIN).day for d in runs("0 9 13 * fri", berlin(2026, 2, 1), 3)] == [6, 13, 20]


def test_the_schedule_runs_on_the_site_clock() -> None:
    after = datetime(2026, 3, 1, tzinfo=UTC)
    moscow = next_run("every day at 09:00", after, "Europe/Moscow")
    new_york = next_run("every day at 09:00", after, "America/New_York")
    assert moscow == datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    assert new_york == datetime(2026, 3, 1, 14, 0, tzinfo=UTC)


def test_dst_gap_runs_after_the_jump_and_repeated_hour_runs_once() -> None:
    # Berlin springs forward on 29 March 2026 at 02:00 -> 03:00; 02:30 does not exist that night.
    got = runs("30 2 * * *", berlin(2026, 3, 28, 12), 2)
    assert got == [berlin(2026, 3, 29, 3, 0), berlin(2026, 3, 30, 2, 30)]
    # On 25 October 2026 02:30 happens twice; the job runs once, at the first (summer time) one.
    got = runs("30 2 * * *", berlin(2026, 10, 24, 12), 2)
    assert got[0] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert got[1] - got[0] == timedelta(hours=25)


def test_strictly_after_and_always_utc() -> None:
    at = berlin(2026, 3, 2, 9)
    assert next_run("first monday of each month at 09:00", at, "Europe/Berlin") == berlin(2026, 4, 6, 9)
    assert next_run("every day at 09:00", at - timedelta(microseconds=1), "Europe/Berlin") == at
    assert next_run("every day at 09:00", at, "Europe/Berlin").tzinfo is UTC


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "whenever",
        "0 9 * *",
        "61 9 * * *",
        "0 25 * * *",
        "0 9 * * mon#6",
        "0 9 32 * *",
        "every day at 25:00",
        "*/0 * * * *",
    ],
)
def test_bad_schedules_say_how_to_write_them(bad: str) -> None:
    with pytest.raises(ScheduleError) as err:
        parse_schedule(bad)
    assert str(err.value)


def test_bad_zone_naive_time_and_never_running_schedules_are_refused() -> None:
    with pytest.raises(ScheduleError, match="IANA"):
        next_run("every day", datetime(2026, 1, 1, tzinfo=UTC), "Mars/Base")
    with pytest.raises(ScheduleError, match="time zone"):
        next_run("every day", datetime(2026, 1, 1), "Europe/Berlin")  # noqa: DTZ001 (naive on purpose)
    with pytest.raises(ScheduleError, match="never runs"):
        next_run("0 9 31 2 *", datetime(2026, 1, 1, tzinfo=UTC), "Europe/Berlin")
