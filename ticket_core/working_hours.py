"""Weekly working hours as people write them, the one parser of them: an engineer's schedule (`WeeklyHours`)
and the hours of an SLA business calendar (`parse_intervals`, `weekly_from_spec`). Pure, no I/O.

A schedule is written like "mon-fri 09:00-18:00; sat 10:00-14:00": `;`-separated parts, each a set of
days (`mon`, `mon-fri`, `mon,wed,fri`, `daily`) and one or more comma-separated `HH:MM-HH:MM` intervals.
An interval whose end is not after its start (`22:00-06:00`) runs over midnight into the next day, and
`00:00-24:00` is a whole day. The check is done on the local wall clock through `zoneinfo`, so DST days
need no special handling: 09:00 is 09:00 local on both sides of the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ticket_core.errors import ValueRefused

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MIN = 24 * 60

Interval = tuple[int, int]
"""Minutes from local midnight: (start, end); end <= start runs into the next day."""

WorkInterval = tuple[time, time]
"""Working hours inside one local day as clock times: (start, end); an end not after the start means the
next day (the form business calendars keep)."""

DAYS_OFF = ("", "off", "closed", "-")


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """Return the IANA time zone `name` (cached: routing asks for it once per engineer).

    Raises:
        ValueError: the name is not a known IANA zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueRefused(
            "unknown time zone '{name}'; use an IANA name such as Europe/Moscow", name=name
        ) from None


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Working intervals for each weekday, Monday first."""

    days: tuple[tuple[Interval, ...], ...]

    @classmethod
    def parse(cls, spec: str) -> WeeklyHours:
        """Parse a schedule such as "mon-fri 09:00-18:00; sat 10:00-14:00".

        Raises:
            ValueError: a part is malformed; the message shows the expected form.
        """
        days: list[list[Interval]] = [[] for _ in WEEKDAYS]
        parts = [p.strip() for p in spec.replace("\n", ";").split(";") if p.strip()]
        if not parts:
            raise ValueRefused('working hours are empty; write e.g. "mon-fri 09:00-18:00; sat 10:00-14:00"')
        for part in parts:
            head, _, hours = part.partition(" ")
            if not hours.strip():
                raise ValueRefused(
                    "working hours '{part}': give the days, then HH:MM-HH:MM, e.g. mon-fri 09:00-18:00",
                    part=part,
                )
            for day in _days(head.lower()):
                days[day].extend(_interval(piece) for piece in hours.split(","))
        return cls(tuple(tuple(sorted(set(d))) for d in days))

    def spec(self) -> str:
        """The schedule in the form `parse` reads, with equal consecutive days grouped."""
        parts: list[str] = []
        i = 0
        while i < len(WEEKDAYS):
            j = i
            while j + 1 < len(WEEKDAYS) and self.days[j + 1] == self.days[i]:
                j += 1
            if self.days[i]:
                label = WEEKDAYS[i] if i == j else f"{WEEKDAYS[i]}-{WEEKDAYS[j]}"
                parts.append(f"{label} {', '.join(_fmt(iv) for iv in self.days[i])}")
            i = j + 1
        return "; ".join(parts)

    def is_open(self, at: datetime, tz: str) -> bool:
        """Tell whether `at` (aware) falls in working hours on the local clock of `tz`."""
        local = at.astimezone(zone(tz))
        weekday = local.weekday()
        minute = local.hour * 60 + local.minute
        for start, end in self.days[weekday]:
            if start < end and start <= minute < end:
                return True
            if end <= start and minute >= start:  # the evening part of an overnight interval
                return True
        for start, end in self.days[weekday - 1]:  # weekday 0 - 1 is Sunday, as wanted
            if end <= start and minute < end:  # the morning part of yesterday's overnight interval
                return True
        return False


@lru_cache(maxsize=1024)
def parse_hours(spec: str | None) -> WeeklyHours | None:
    """Parse a stored or typed schedule; None or "" means no schedule (available at any time).

    Cached: every routing decision reads every engineer's stored schedule, and schedules are few.
    """
    if spec is None or not spec.strip():
        return None
    return WeeklyHours.parse(spec)


def _days(text: str) -> list[int]:
    if text in ("daily", "all", "everyday"):
        return list(range(7))
    out: list[int] = []
    for item in text.split(","):
        first, sep, last = item.partition("-")
        try:
            a = WEEKDAYS.index(first[:3])
            b = WEEKDAYS.index(last[:3]) if sep else a
        except ValueError:
            raise ValueRefused(
                "working days '{item}' are unknown: use mon..sun, ranges like mon-fri, or daily", item=item
            ) from None
        out.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return out


def _interval(text: str) -> Interval:
    start_s, sep, end_s = text.strip().partition("-")
    if not sep:
        raise ValueRefused(
            "working hours '{hours}' are not like 09:00-18:00: write HH:MM-HH:MM", hours=text.strip()
        )
    start, end = _minute(start_s), _minute(end_s)
    if start == DAY_MIN:
        raise ValueRefused(
            "working hours '{hours}': a day starts at 00:00 and ends at 24:00", hours=text.strip()
        )
    if end == DAY_MIN:
        end = 0  # 24:00 is the next midnight: with start 00:00 that is the whole day
    return start, end


def _minute(text: str) -> int:
    hh, sep, mm = text.strip().partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueRefused("time '{time}' is not HH:MM", time=text.strip())
    value = int(hh) * 60 + int(mm)
    if int(mm) > 59 or value > DAY_MIN:
        raise ValueRefused("time '{time}' is not a time of day", time=text.strip())
    return value


def _fmt(iv: Interval) -> str:
    start, end = iv
    end_text = "24:00" if end == 0 else f"{end // 60:02d}:{end % 60:02d}"
    return f"{start // 60:02d}:{start % 60:02d}-{end_text}"


def parse_intervals(text: str) -> tuple[WorkInterval, ...]:
    """Parse one day's hours such as "09:00-13:00, 14:00-18:00" or "22:00-06:00"; "" or "off" means none.

    Raises:
        ValueError: when a piece is not HH:MM-HH:MM.
    """
    text = text.strip().lower()
    if text in DAYS_OFF:
        return ()
    return tuple(_clock_times(_interval(piece)) for piece in text.split(","))


def weekly_from_spec(spec: Mapping[str, str]) -> tuple[tuple[WorkInterval, ...], ...]:
    """Build the seven weekdays' hours from a spec such as {"mon-fri": "09:00-18:00", "sat": "10:00-14:00"}.

    Keys are days as a schedule names them ("mon", "mon-fri", "mon,wed", "daily"); days not named are off.

    Raises:
        ValueError: for an unknown weekday name, a day named twice or malformed hours.
    """
    week: list[tuple[WorkInterval, ...] | None] = [None] * 7
    for key, hours in spec.items():
        for day in _days(key.strip().lower()):
            if week[day] is not None:
                raise ValueRefused(
                    "{day} is named twice in the weekly hours; name each day once", day=WEEKDAYS[day]
                )
            week[day] = parse_intervals(hours)
    return tuple(w or () for w in week)


def _clock_times(iv: Interval) -> WorkInterval:
    start, end = iv
    return time(start // 60, start % 60), time(end // 60, end % 60)
