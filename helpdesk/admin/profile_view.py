"""How the admin shows an engineer's profile: working hours as people read them, whether the engineer is in
hours now on their own clock, and the edit form's values and suggestions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from helpdesk.admin.i18n import Texts, _
from ticket_core.model import StaffMember
from ticket_core.staff_profile import PROFILE_FIELDS
from ticket_core.working_hours import WEEKDAYS, Interval, WeeklyHours, zone

DAY_NAMES = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
NO_HOURS = _("any time on shift")
OVERNIGHT = _("overnight")


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _interval_text(iv: Interval, tr: Texts) -> str:
    start, end = iv
    if start == 0 and end == 0:
        return tr(_("all day"))
    if end == 0:  # until midnight
        return f"{_clock(start)}–24:00"
    if end <= start:
        return f"{_clock(start)}–{_clock(end)} ({tr(OVERNIGHT)})"
    return f"{_clock(start)}–{_clock(end)}"


def hours_text(hours: WeeklyHours | None, tr: Texts) -> str:
    """A schedule as people read it, in their language: "Mon–Fri 09:00–18:00; Sat 10:00–14:00" ("Пн–Пт ...");
    "any time on shift" for none."""
    if hours is None:
        return tr(NO_HOURS)
    parts: list[str] = []
    i = 0
    while i < len(WEEKDAYS):
        j = i
        while j + 1 < len(WEEKDAYS) and hours.days[j + 1] == hours.days[i]:
            j += 1
        if hours.days[i]:
            if i == 0 and j == len(WEEKDAYS) - 1:
                label = tr(_("Every day"))
            elif i == j:
                label = tr(DAY_NAMES[i])
            else:
                label = f"{tr(DAY_NAMES[i])}–{tr(DAY_NAMES[j])}"
            parts.append(f"{label} {', '.join(_interval_text(iv, tr) for iv in hours.days[i])}")
        i = j + 1
    return "; ".join(parts) or tr(_("never"))


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


def hours_now(member: StaffMember, now: datetime, tr: Texts) -> HoursNow:
    """Whether the engineer's schedule is open at `now` on their own time zone's clock ("Вс 20:45")."""
    try:
        local = now.astimezone(zone(member.timezone))
    except ValueError:  # a zone unknown to this machine: say so rather than fail the whole list
        return HoursNow(None, f"unknown time zone {member.timezone}")
    shown = f"{tr(DAY_NAMES[local.weekday()])} {local:%H:%M}"
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
