"""Business calendars: when the SLA clock may run, and business-time arithmetic on UTC instants.

Every public function takes and returns timezone-aware datetimes (any zone in, UTC out) and works in the
calendar's local time through `zoneinfo`, so nights, weekends, holidays and DST days have their real length.

Rules for wall-clock boundaries (documented in docs/sla.md):

* An interval whose end is not after its start (`22:00-06:00`, `00:00-00:00`) crosses midnight and ends on
  the next day; `00:00-00:00` is a whole day.
* A boundary that does not exist because the clocks jump forward (02:30 on a spring-forward night in
  Berlin) moves to the first instant after the jump; a boundary that happens twice because the clocks go
  back takes its first occurrence.
* Intervals that touch or overlap (also across midnight) are merged.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ticket_core.working_hours import WEEKDAYS, WorkInterval, parse_intervals, weekly_from_spec

Span = tuple[datetime, datetime]

_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_CACHE_LIMIT = 4096
# Below this many weeks a plain walk over the days is as fast as the week-skipping bookkeeping.
_SKIP_AFTER_WEEKS = 3


def require_aware(value: datetime, what: str = "time") -> datetime:
    """Return `value` in UTC, refusing a naive datetime with a message that says how to fix it.

    Args:
        value: the datetime to check.
        what: how to call the value in the error message.

    Raises:
        ValueError: when `value` has no time zone.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} {value.isoformat()} has no time zone; pass an aware datetime, e.g. datetime(..., tzinfo=UTC)"
        )
    return value.astimezone(UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time of a site or a contract: weekly hours in a time zone, holidays and extra working days.

    Attributes:
        name: a label for people and logs.
        tz: IANA time zone, e.g. "Europe/Berlin".
        weekly: seven tuples of intervals, Monday first.
        holidays: local dates that have no working time.
        extra_working_days: local dates with their own hours (a working Saturday, a short pre-holiday day);
            they win over `weekly` and must not also be holidays.
    """

    name: str
    tz: str
    weekly: tuple[tuple[WorkInterval, ...], ...]
    holidays: AbstractSet[date] = frozenset()
    extra_working_days: Mapping[date, tuple[WorkInterval, ...]] = field(default_factory=dict, hash=False)
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    _special: list[date] = field(init=False, repr=False, compare=False, hash=False)
    _week: timedelta = field(init=False, repr=False, compare=False, hash=False)
    _always_open: bool = field(init=False, repr=False, compare=False, hash=False)
    _spans: dict[date, tuple[Span, ...]] = field(init=False, repr=False, compare=False, hash=False)
    _midnights: dict[date, datetime] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"calendar {self.name!r}: time zone {self.tz!r} is unknown; use an IANA name like Europe/Berlin"
            ) from None
        if len(self.weekly) != 7:
            raise ValueError(
                f"calendar {self.name!r}: weekly hours need 7 entries (Monday first), got {len(self.weekly)}"
            )
        weekly = tuple(tuple(sorted(day)) for day in self.weekly)
        extra = {d: tuple(sorted(hours)) for d, hours in self.extra_working_days.items()}
        for label, hours in [
            *zip(WEEKDAYS, weekly, strict=True),
            *((d.isoformat(), h) for d, h in extra.items()),
        ]:
            _check_day(self.name, label, hours)
        clash = sorted(set(extra) & set(self.holidays))
        if clash:
            raise ValueError(
                f"calendar {self.name!r}: {clash[0].isoformat()} is both a holiday and an extra working day; keep one"
            )
        set_ = object.__setattr__
        set_(self, "weekly", weekly)
        set_(self, "holidays", frozenset(self.holidays))
        set_(self, "extra_working_days", extra)
        set_(self, "_zone", zone)
        set_(self, "_special", sorted(set(self.holidays) | set(extra)))
        set_(self, "_spans", {})
        set_(self, "_midnights", {})
        week = _nominal_week(weekly)
        if week <= timedelta(0):
            raise ValueError(
                f"calendar {self.name!r} has no working time in its weekly hours; give at least one day hours "
                "or use CALENDAR_24X7"
            )
        set_(self, "_week", week)
        set_(self, "_always_open", week == _WEEK and not self._special)

    @classmethod
    def office(
        cls,
        name: str,
        tz: str,
        *,
        hours: str = "09:00-18:00",
        days: str = "mon-fri",
        holidays: Iterable[date] = (),
        extra_working_days: Mapping[date, str] | None = None,
    ) -> BusinessCalendar:
        """Build the common office calendar: the same hours on a range of weekdays.

        Args:
            name: label of the calendar.
            tz: IANA time zone of the site.
            hours: e.g. "09:00-18:00" or with a lunch break "09:00-13:00,14:00-18:00".
            days: weekday range, e.g. "mon-fri" or "mon-sat".
            holidays: local dates without work.
            extra_working_days: local dates with their own hours, e.g. {date(2026, 2, 28): "09:00-17:00"}.
        """
        return cls(
            name=name,
            tz=tz,
            weekly=weekly_from_spec({days: hours}),
            holidays=frozenset(holidays),
            extra_working_days={d: parse_intervals(h) for d, h in (extra_working_days or {}).items()},
        )

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone object."""
        return self._zone

    @property
    def is_24x7(self) -> bool:
        """Tell whether every instant is working time."""
        return self._always_open

    @property
    def weekly_working_time(self) -> timedelta:
        """Working time of an ordinary week (no holidays, no DST change)."""
        return self._week

    def with_timezone(self, tz: str) -> BusinessCalendar:
        """Return the same hours and holidays, counted in another site's time zone."""
        return BusinessCalendar(self.name, tz, self.weekly, self.holidays, dict(self.extra_working_days))

    def hours_on(self, day: date) -> tuple[WorkInterval, ...]:
        """Return the wall-clock intervals that start on a local date (extra day, holiday or weekday)."""
        if day in self.extra_working_days:
            return self.extra_working_days[day]
        if day in self.holidays:
            return ()
        return self.weekly[day.weekday()]

    def _day_spans(self, day: date) -> tuple[Span, ...]:
        cached = self._spans.get(day)
        if cached is None:
            if len(self._spans) > _CACHE_LIMIT:
                self._spans.clear()
            cached = _spans_for(self.hours_on(day), day, self._zone)
            self._spans[day] = cached
        return cached

    def _midnight(self, day: date) -> datetime:
        cached = self._midnights.get(day)
        if cached is None:
            if len(self._midnights) > _CACHE_LIMIT:
                self._midnights.clear()
            cached = _local_to_utc(day, time(0), self._zone)
            self._midnights[day] = cached
        return cached

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self._zone).date()

    def _plain_week(self, day: date) -> bool:
        """Tell whether [midnight(day), midnight(day + 7)) holds exactly the nominal weekly time.

        True when no holiday or extra day touches it (the day before may spill across midnight) and the UTC
        offset does not change, i.e. every local day in it lasts 24 hours.
        """
        i = bisect.bisect_left(self._special, day - _DAY)
        if i < len(self._special) and self._special[i] <= day + timedelta(days=6):
            return False
        prev = self._midnight(day - _DAY)
        for k in range(8):
            nxt = self._midnight(day + timedelta(days=k))
            if nxt - prev != _DAY:
                return False
            prev = nxt
        return True


def _check_day(name: str, label: str, hours: Sequence[WorkInterval]) -> None:
    prev_end: time | None = None
    for i, (start, end) in enumerate(hours):
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(
                f"calendar {name!r}, {label}: give working hours as local times without a time zone"
            )
        if prev_end is not None and start < prev_end:
            raise ValueError(f"calendar {name!r}, {label}: intervals overlap at {start:%H:%M}; fix the hours")
        crosses = end <= start
        if crosses and i != len(hours) - 1:
            raise ValueError(
                f"calendar {name!r}, {label}: only the last interval of a day may run past midnight "
                f"({start:%H:%M}-{end:%H:%M})"
            )
        prev_end = end


def _local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a local wall time; a time skipped by DST maps to the end of the jump."""
    local = datetime.combine(day, at, tzinfo=zone)
    utc = local.astimezone(UTC)
    back = utc.astimezone(zone)
    if back.date() == day and back.time() == at:
        return utc
    # The wall time falls in a DST gap: fold=0 and fold=1 land on both sides of the transition.
    other = local.replace(fold=1).astimezone(UTC)
    lo, hi = min(utc, other), max(utc, other)
    after_offset = hi.astimezone(zone).utcoffset()
    # Transitions in tz data fall on whole seconds, so a bisection over seconds finds the exact instant.
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp())
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if datetime.fromtimestamp(mid, tz=zone).utcoffset() == after_offset:
            hi_s = mid
        else:
            lo_s = mid
    return datetime.fromtimestamp(hi_s, tz=UTC)


def _spans_for(hours: Sequence[WorkInterval], day: date, zone: ZoneInfo) -> tuple[Span, ...]:
    spans: list[Span] = []
    for start, end in hours:
        s = _local_to_utc(day, start, zone)
        e = _local_to_utc(day + _DAY if end <= start else day, end, zone)
        if spans and s < spans[-1][1]:
            s = spans[-1][1]
        if e > s:
            spans.append((s, e))
    return tuple(spans)


def _nominal_week(weekly: tuple[tuple[WorkInterval, ...], ...]) -> timedelta:
    """Working time of one week on a clock without DST (any 7-day window of a 7-periodic pattern)."""
    zone = ZoneInfo("UTC")
    monday = date(2001, 1, 1)
    merged: list[list[datetime]] = []
    for k in range(-1, 7):
        day = monday + timedelta(days=k)
        for s, e in _spans_for(weekly[day.weekday()], day, zone):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
    lo = datetime.combine(monday, time(0), tzinfo=UTC)
    hi = lo + _WEEK
    total = timedelta(0)
    for s, e in merged:
        s, e = max(s, lo), min(e, hi)
        if e > s:
            total += e - s
    return total


def _spans_from(cal: BusinessCalendar, at: datetime) -> Iterator[Span]:
    """Yield working spans in time order, clipped to start no earlier than `at` (never ends).

    Overlapping spans of neighbouring days are trimmed rather than merged, so a calendar that never closes
    still yields one day at a time; spans may touch.
    """
    day = cal._local_date(at) - _DAY
    last_end = at
    while True:
        for s, e in cal._day_spans(day):
            s = max(s, last_end)
            if e > s:
                yield (s, e)
                last_end = e
        day += _DAY


def _between(cal: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    if end <= start:
        return total
    for s, e in _spans_from(cal, start):
        if s >= end:
            break
        total += min(e, end) - s
    return total


def _walk_add(cal: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    remaining = duration
    for s, e in _spans_from(cal, start):
        if remaining <= e - s:
            return s + remaining
        remaining -= e - s
    raise AssertionError("unreachable: _spans_from never ends")  # pragma: no cover


def add_business_time(cal: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """Return the earliest instant at which `duration` of working time has elapsed after `start`.

    A start outside working hours starts counting at the next opening; a zero duration returns `start`.

    Raises:
        ValueError: for a naive `start` or a negative duration.
    """
    start = require_aware(start, "start")
    if duration < timedelta(0):
        raise ValueError(f"duration {duration} is negative; pass a duration of zero or more")
    if duration == timedelta(0):
        return start
    if cal.is_24x7:
        return start + duration
    week = cal.weekly_working_time
    if duration <= week * _SKIP_AFTER_WEEKS:
        return _walk_add(cal, start, duration)
    day = cal._local_date(start) + _DAY
    head = _between(cal, start, cal._midnight(day))
    if head >= duration:
        return _walk_add(cal, start, duration)
    remaining = duration - head
    while remaining > week:
        if cal._plain_week(day):
            remaining -= week
            day += _WEEK
            continue
        one_day = _between(cal, cal._midnight(day), cal._midnight(day + _DAY))
        if one_day >= remaining:
            break
        remaining -= one_day
        day += _DAY
    return _walk_add(cal, cal._midnight(day), remaining)


def business_time_between(cal: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Return the working time inside [start, end); zero when `end` is not after `start`.

    Raises:
        ValueError: for a naive `start` or `end`.
    """
    start = require_aware(start, "start")
    end = require_aware(end, "end")
    if end <= start:
        return timedelta(0)
    if cal.is_24x7:
        return end - start
    if end - start <= _WEEK * _SKIP_AFTER_WEEKS:
        return _between(cal, start, end)
    day = cal._local_date(start) + _DAY
    total = _between(cal, start, cal._midnight(day))
    while True:
        if cal._midnight(day + _WEEK) <= end and cal._plain_week(day):
            total += cal.weekly_working_time
            day += _WEEK
        elif cal._midnight(day + _DAY) <= end:
            total += _between(cal, cal._midnight(day), cal._midnight(day + _DAY))
            day += _DAY
        else:
            break
    return total + _between(cal, max(start, cal._midnight(day)), end)


def is_working(cal: BusinessCalendar, at: datetime) -> bool:
    """Tell whether `at` falls in working time (an interval includes its start and excludes its end).

    Raises:
        ValueError: for a naive `at`.
    """
    at = require_aware(at, "at")
    if cal.is_24x7:
        return True
    s, _ = next(_spans_from(cal, at))
    return s == at


def next_working_instant(cal: BusinessCalendar, at: datetime) -> datetime:
    """Return `at` if it is working time, else the next opening.

    Raises:
        ValueError: for a naive `at`.
    """
    at = require_aware(at, "at")
    if cal.is_24x7:
        return at
    s, _ = next(_spans_from(cal, at))
    return s


CALENDAR_24X7 = BusinessCalendar(name="24x7", tz="UTC", weekly=tuple(((time(0), time(0)),) for _ in range(7)))
"""Every instant counts: for contracts with round-the-clock service."""
