"""Recurring schedules for planned maintenance: cron expressions with nth/last weekday, and plain English.

Accepted forms (case-insensitive; the time defaults to 09:00):

* cron, five fields "minute hour day-of-month month day-of-week": `*`, numbers, ranges `1-5`, steps `*/15`,
  lists `1,15`; weekdays 0-7 (0 and 7 are Sunday) or mon..sun; months 1-12 or jan..dec. Extensions:
  `mon#1` (first Monday of the month), `fri#L` or `5L` (last Friday), `L` in day-of-month (last day).
  When both day fields are restricted a day matches either (as in cron).
* "every day at 08:00", "daily at 8:30", "every monday at 10:00", "every weekday at 09:00",
* "first monday of each month at 09:00", "last friday of every month", "second tuesday of every 3 months",
* "day 15 of each month at 10:00", "last day of every month".

`next_run(schedule, after, tz)` evaluates in a site's time zone: a wall time that does not exist (the
spring-forward gap) runs at the first minute after the jump; a wall time that happens twice runs once, at
its first occurrence. Everything returned is UTC.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_HORIZON_DAYS = 366 * 8  # Feb 29 on a Monday may be 28 years away; plans that rare are refused as empty
_AT = re.compile(r"\s+at\s+(\d{1,2}):(\d{2})\s*$")


class ScheduleError(ValueError):
    """A schedule that cannot be understood; the message says how to write it."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed schedule: allowed minutes, hours, months, days of month and weekday rules.

    Attributes:
        text: what was parsed.
        minutes, hours, months: allowed values.
        days: allowed days of the month (None: any); 0 stands for "the last day".
        weekdays: allowed (weekday, nth) pairs, Monday = 0; nth 0 = every, 1..5 = the nth, -1 = the last;
            None: any.
    """

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    days: frozenset[int] | None
    weekdays: frozenset[tuple[int, int]] | None

    def matches_day(self, day: date) -> bool:
        """Tell whether the schedule runs on a local date (at some of its times)."""
        if day.month not in self.months:
            return False
        dom_ok = self.days is not None and _dom_matches(self.days, day)
        dow_ok = self.weekdays is not None and _dow_matches(self.weekdays, day)
        if self.days is None and self.weekdays is None:
            return True
        if self.days is None:
            return dow_ok
        if self.weekdays is None:
            return dom_ok
        return dom_ok or dow_ok

    def times(self) -> list[time]:
        """The wall times of a running day, in order."""
        return [time(h, m) for h in sorted(self.hours) for m in sorted(self.minutes)]


def _dom_matches(days: frozenset[int], day: date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day in days or (0 in days and day.day == last)


def _dow_matches(rules: frozenset[tuple[int, int]], day: date) -> bool:
    wd = day.weekday()
    nth = (day.day - 1) // 7 + 1
    is_last = day.day + 7 > calendar.monthrange(day.year, day.month)[1]
    return any(w == wd and (n == 0 or n == nth or (n == -1 and is_last)) for w, n in rules)


def _names(value: str, names: tuple[str, ...], base: int) -> str:
    low = value.lower()
    for i, name in enumerate(names):
        low = re.sub(rf"\b{name}[a-z]*\b", str(i + base), low)
    return low


def _field(text: str, lo: int, hi: int, what: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ScheduleError(f"{what}: step {step_text!r} must be a whole number above zero")
            step = int(step_text)
        if body == "*":
            start, end = lo, hi
        elif "-" in body:
            a, _, b = body.partition("-")
            if not (a.isdigit() and b.isdigit()):
                raise ScheduleError(f"{what}: {part!r} is not a range like 1-5")
            start, end = int(a), int(b)
        elif body.isdigit():
            start = end = int(body)
            if step_text:
                end = hi
        else:
            raise ScheduleError(f"{what}: {part!r} is not a number, range, list or */step")
        if not (lo <= start <= hi and lo <= end <= hi) or start > end:
            raise ScheduleError(f"{what}: {part!r} is outside {lo}-{hi}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _weekday_field(text: str) -> frozenset[tuple[int, int]] | None:
    if text == "*":
        return None
    rules: set[tuple[int, int]] = set()
    for part in _names(text, _DAYS, 1).split(","):
        nth = 0
        if "#" in part:
            part, _, n = part.partition("#")
            if n.upper() == "L":
                nth = -1
            elif n.isdigit() and 1 <= int(n) <= 5:
                nth = int(n)
            else:
                raise ScheduleError(f"day of week: #{n} must be #1..#5 or #L")
        elif part.upper().endswith("L") and part[:-1].isdigit():
            part, nth = part[:-1], -1
        for cron_day in _field(part, 0, 7, "day of week"):
            rules.add(((cron_day - 1) % 7, nth))  # cron: 0 and 7 are Sunday, 1 is Monday
    return frozenset(rules)


def parse_cron(text: str) -> Schedule:
    """Parse a five-field cron expression (with `#n`, `L` extensions).

    Raises:
        ScheduleError: when a field is malformed.
    """
    fields = text.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"{text!r}: a cron schedule has 5 fields (minute hour day month weekday), e.g. '0 9 * * mon#1'"
        )
    minute, hour, dom, month, dow = fields
    days: frozenset[int] | None = None
    if dom != "*":
        parts = dom.upper().split(",")
        days = frozenset(0 for p in parts if p == "L") | _field(
            ",".join(p for p in parts if p != "L") or "1", 1, 31, "day of month"
        )
        if parts == ["L"]:
            days = frozenset({0})
    return Schedule(
        text=text,
        minutes=_field(minute, 0, 59, "minute"),
        hours=_field(hour, 0, 23, "hour"),
        months=_field(_names(month, _MONTHS, 1), 1, 12, "month"),
        days=days,
        weekdays=_weekday_field(dow),
    )


def _english(text: str) -> str | None:
    low = " ".join(text.lower().split())
    hour, minute = 9, 0
    at = _AT.search(low)
    if at:
        hour, minute = int(at.group(1)), int(at.group(2))
        if hour > 23 or minute > 59:
            raise ScheduleError(f"{text!r}: {at.group(1)}:{at.group(2)} is not a time of day")
        low = low[: at.start()]
    hm = f"{minute} {hour}"
    if low in ("every day", "daily"):
        return f"{hm} * * *"
    if low in ("every weekday", "weekdays"):
        return f"{hm} * * 1-5"
    m = re.fullmatch(r"every (mon|tue|wed|thu|fri|sat|sun)[a-z]*", low)
    if m:
        return f"{hm} * * {m.group(1)}"
    month = r"of (?:each|every) (?:(\d+) )?months?"
    m = re.fullmatch(
        rf"(first|second|third|fourth|fifth|last) (mon|tue|wed|thu|fri|sat|sun)[a-z]* {month}", low
    )
    if m:
        n = _ORDINALS[m.group(1)]
        return f"{hm} * {_month_step(m.group(3))} {m.group(2)}#{'L' if n == -1 else n}"
    m = re.fullmatch(rf"(?:on )?day (\d{{1,2}}) {month}", low)
    if m:
        return f"{hm} {m.group(1)} {_month_step(m.group(2))} *"
    m = re.fullmatch(rf"last day {month}", low)
    if m:
        return f"{hm} L {_month_step(m.group(1))} *"
    return None


def _month_step(every: str | None) -> str:
    return f"1/{int(every)}" if every and int(every) > 1 else "*"


def parse_schedule(text: str) -> Schedule:
    """Parse a schedule in cron or plain English (see the module docstring).

    Raises:
        ScheduleError: with an example of what is accepted.
    """
    text = (text or "").strip()
    if not text:
        raise ScheduleError("give a schedule, e.g. 'first monday of each month at 09:00' or '0 9 * * mon#1'")
    cron = _english(text)
    if cron is not None:
        schedule = parse_cron(cron)
        return Schedule(
            text, schedule.minutes, schedule.hours, schedule.months, schedule.days, schedule.weekdays
        )
    if len(text.split()) == 5:
        return parse_cron(text)
    raise ScheduleError(
        f"{text!r} is not a schedule I know; write e.g. 'first monday of each month at 09:00', "
        "'every friday at 16:00', 'day 15 of each month' or cron '0 9 * * mon#1'"
    )


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"time zone {tz!r} is unknown; use an IANA name like Europe/Moscow") from None


def _to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    naive = datetime.combine(day, at)
    while True:
        # fold=0 is the first of two occurrences; a wall time in the spring-forward gap does not survive the
        # round trip, so move on minute by minute to the first one that exists (the end of the jump).
        aware = naive.replace(tzinfo=zone)
        utc = aware.astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) == naive:
            return utc
        naive += timedelta(minutes=1)


def next_run(schedule: Schedule | str, after: datetime, tz: str) -> datetime:
    """Return the first run strictly after `after`, in UTC, evaluating wall times in `tz`.

    Raises:
        ScheduleError: for an unknown time zone, a naive `after`, or a schedule that never runs.
    """
    if after.tzinfo is None or after.utcoffset() is None:
        raise ScheduleError("`after` has no time zone; pass an aware datetime, e.g. datetime.now(UTC)")
    sched = parse_schedule(schedule) if isinstance(schedule, str) else schedule
    zone = _zone(tz)
    after_utc = after.astimezone(UTC)
    day = after_utc.astimezone(zone).date() - timedelta(days=1)  # a gap shift may cross into the next day
    times = sched.times()
    for _ in range(_HORIZON_DAYS):
        if sched.matches_day(day):
            for at in times:
                run = _to_utc(day, at, zone)
                if run > after_utc:
                    return run
        day += timedelta(days=1)
    raise ScheduleError(f"{sched.text!r} never runs in the next {_HORIZON_DAYS // 366} years; check the days")
