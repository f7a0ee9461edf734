"""How the admin shows an engineer's profile: working hours as people read them, whether the engineer is in
hours now on their own clock, and the edit form's values and suggestions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ticket_core.model import StaffMember
from ticket_core.staff_profile import PROFILE_FIELDS
from ticket_core.working_hours import WEEKDAYS, Interval, WeeklyHours, zone

DAY_NAMES = tuple(d.capitalize() for d in WEEKDAYS)
NO_HOURS = "any time on shift"


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _interval_text(iv: Interval) -> str:
    start, end = iv
    if start == 0 and end == 0:
        return "all day"
    if end == 0:  # until midnight
        return f"{_clock(start)}–24:00"
    if end <= start:
        return f"{_clock(start)}–{_clock(end)} (overnight)"
    return f"{_clock(start)}–{_clock(end)}"


def hours_text(hours: WeeklyHours | None) -> str:
    """A schedule as people read it, e.g. "Mon–Fri 09:00–18:00; Sat 10:00–14:00"; "any time on shift" for none."""
    if hours is None:
        return NO_HOURS
    parts: list[str] = []
    i = 0
    while i < len(WEEKDAYS):
        j = i
        while j + 1 < len(WEEKDAYS) and hours.days[j + 1] == hours.days[i]:
            j += 1
        if hours.days[i]:
            if i == 0 and j == len(WEEKDAYS) - 1:
                label = "Every day"
            elif i == j:
                label = DAY_NAMES[i]
            else:
                label = f"{DAY_NAMES[i]}–{DAY_NAMES[j]}"
            parts.append(f"{label} {', '.join(_interval_text(iv) for iv in hours.days[i])}")
        i = j + 1
    return "; ".join(parts) or "never"


@dataclass(frozen=True, slots=True)
class HoursNow:
    """Whether an engineer is in working hours at a moment, and their local time then."""

    in_hours: bool | None  # None: no schedule (available whenever on shift)
    local: str  # e.g. "Mon 10:15"

    @property
    def label(self) -> str:
        """The label shown: "in hours now", "off hours now" or "no set hours"."""
        if self.in_hours is None:
            return "no set hours"
        return "in hours now" if self.in_hours else "off hours now"


def hours_now(member: StaffMember, now: datetime) -> HoursNow:
    """Whether the engineer's schedule is open at `now` on their own time zone's clock."""
    try:
        local = now.astimezone(zone(member.timezone))
    except ValueError:  # a zone unknown to this machine: say so rather than fail the whole list
        return HoursNow(None, f"unknown time zone {member.timezone}")
    shown = f"{DAY_NAMES[local.weekday()]} {local:%H:%M}"
    if member.working_hours is None:
        return HoursNow(None, shown)
    return HoursNow(member.working_hours.is_open(now, member.timezone), shown)


def form_values(member: StaffMember, posted: Mapping[str, str] | None = None) -> dict[str, str]:
    """The edit form's field texts: what was posted (to show it again with errors), else the stored profile."""
    stored = {
        "skills": ", ".join(member.skills),
        "level": str(member.level),
        "regions": ", ".join(member.regions),
        "timezone": member.timezone,
        "working_hours": member.working_hours.spec() if member.working_hours else "",
        "max_parallel_jobs": str(member.max_parallel_jobs),
        "home_lat": "" if member.home_lat is None else repr(member.home_lat),
        "home_lon": "" if member.home_lon is None else repr(member.home_lon),
        "lang": member.lang,
        "phone": member.phone or "",
    }
    return {name: str((posted or {}).get(name, stored[name])) for name in PROFILE_FIELDS}


def vocabulary(*groups: Iterable[str]) -> list[str]:
    """Every distinct non-empty value of the groups, sorted (the suggestions shown for a field)."""
    return sorted({value for group in groups for value in group if value})
