"""Weekly working hours as written by people: "09:00-13:00, 14:00-18:00" per weekday or weekday range.

The one parser of working hours: business calendars (SLA), sites and engineers' schedules all read them
here, so a spec that one accepts the others accept too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time

WorkInterval = tuple[time, time]
"""Working hours inside one local day: (start, end); an end not after the start means the next day."""

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_intervals(text: str) -> tuple[WorkInterval, ...]:
    """Parse working hours such as "09:00-13:00, 14:00-18:00" or "22:00-06:00"; "" or "off" means none.

    Raises:
        ValueError: when a piece is not HH:MM-HH:MM.
    """
    text = text.strip().lower()
    if text in ("", "off", "closed", "-"):
        return ()
    out: list[WorkInterval] = []
    for piece in text.split(","):
        try:
            start_s, end_s = piece.split("-")
            out.append((_parse_time(start_s), _parse_time(end_s)))
        except ValueError:
            raise ValueError(
                f"working hours {piece.strip()!r} are not like 09:00-18:00; write HH:MM-HH:MM, comma-separated"
            ) from None
    return tuple(out)


def _parse_time(text: str) -> time:
    hh, mm = text.strip().split(":")
    if not (hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError(text)
    hour, minute = int(hh), int(mm)
    # "24:00" ends the day; an end not after the start already means the next midnight.
    return time(0) if (hour, minute) == (24, 0) else time(hour, minute)


def weekly_from_spec(spec: Mapping[str, str]) -> tuple[tuple[WorkInterval, ...], ...]:
    """Build the seven weekdays' hours from a spec such as {"mon-fri": "09:00-18:00", "sat": "10:00-14:00"}.

    Keys are a weekday ("mon") or an inclusive range ("mon-fri"); days not named are days off.

    Raises:
        ValueError: for an unknown weekday name, a day named twice or malformed hours.
    """
    week: list[tuple[WorkInterval, ...] | None] = [None] * 7
    for key, hours in spec.items():
        parts = [p.strip().lower()[:3] for p in key.split("-")]
        if any(p not in WEEKDAYS for p in parts) or len(parts) > 2:
            raise ValueError(
                f"weekday {key!r} is unknown; use mon, tue, wed, thu, fri, sat, sun or a range mon-fri"
            )
        first, last = WEEKDAYS.index(parts[0]), WEEKDAYS.index(parts[-1])
        days = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        for day in days:
            if week[day] is not None:
                raise ValueError(f"{WEEKDAYS[day]} is named twice in the weekly hours; name each day once")
            week[day] = parse_intervals(hours)
    return tuple(w or () for w in week)
