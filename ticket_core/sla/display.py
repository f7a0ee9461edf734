"""SLA texts: the promised time for the client and a compact badge for staff cards, in Russian and English.

Unknown languages fall back to English; "ru-RU" counts as Russian.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date

from ticket_core.durations import DurationStyle, format_duration
from ticket_core.i18n import N_, NC_, lang_of, say, say_in
from ticket_core.sla.calendar import require_aware
from ticket_core.sla.clock import ClockState, SlaKind, SlaState, SlaStatus

DEADLINE = "deadline"
"""The context of a deadline's weekday: Russian says it as "в среду" ("до 14:30 в среду")."""
_WEEKDAYS = (
    NC_("deadline", "Mon"), NC_("deadline", "Tue"), NC_("deadline", "Wed"), NC_("deadline", "Thu"),
    NC_("deadline", "Fri"), NC_("deadline", "Sat"), NC_("deadline", "Sun"),
)  # fmt: skip


def normalize_lang(lang: str | None) -> str:
    """Return "ru" or "en" for a language code such as "ru", "ru-RU", "en_GB"; anything else is "en"."""
    return lang_of(lang)


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"time zone {tz!r} is unknown; use an IANA name like Europe/Moscow") from None


def format_promise(due_at: datetime, *, lang: str, tz: str, now: datetime | None = None) -> str:
    """Return the promised time for the client in the site's time zone.

    "до 14:30 в среду, 4 марта" / "by 2:30 PM Wed, 4 March"; the year is added when `now` is given and falls in
    another year.

    Raises:
        ValueError: for a naive `due_at` or `now`, or an unknown time zone.
    """
    zone = _zone(tz)
    local = require_aware(due_at, "due_at").astimezone(zone)
    year = ""
    if now is not None and require_aware(now, "now").astimezone(zone).year != local.year:
        year = f" {local.year}"
    lang = normalize_lang(lang)
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    return say(
        lang,
        # Russian: "до {hh}:{mm} {weekday}, {day}{year}" (24-hour time, "в среду, 4 марта")
        "by {hour}:{mm} {half} {weekday}, {day}{year}",
        hour=hour,
        hh=f"{local.hour:02d}",
        mm=f"{local.minute:02d}",
        half=half,
        weekday=say_in(lang, DEADLINE, _WEEKDAYS[local.weekday()]),
        day=format_date(local, "d MMMM", locale=lang),  # the month's name as CLDR writes it: "4 марта"
        year=year,
    )


def clock_badge(clock: ClockState, lang: str) -> str:
    """Return the badge of one clock: time left (business time), paused, met, or how long ago it breached."""
    label = say(lang, N_("Response SLA") if clock.kind is SlaKind.RESPONSE else N_("SLA"))
    if clock.status is SlaStatus.BREACHED:
        if clock.is_met:
            return say(lang, "{label}: met late", label=label)
        ago = format_duration(clock.now - (clock.breached_at or clock.now), lang, style=DurationStyle.SHORT)
        return say(lang, "{label}: breached {ago} ago", label=label, ago=ago)
    if clock.status is SlaStatus.MET:
        return say(lang, "{label}: met", label=label)
    left = format_duration(clock.remaining, lang, style=DurationStyle.SHORT)
    if clock.status is SlaStatus.PAUSED:
        return say(lang, "{label}: paused, {left} left", label=label, left=left)
    warn = "⚠ " if clock.status is SlaStatus.AT_RISK else ""
    return say(lang, "{warn}{label}: {left} left", warn=warn, label=label, left=left)


def sla_badge(state: SlaState, lang: str) -> str:
    """Return the badge for a staff card: the response clock until it is met, then the resolution clock.

    A breached response clock stays visible next to the resolution clock so the breach is not hidden.
    """
    if not state.response.is_met:
        return clock_badge(state.response, lang)
    resolution = clock_badge(state.resolution, lang)
    if state.response.status is SlaStatus.BREACHED and not state.resolved:
        return f"{resolution} · {clock_badge(state.response, lang)}"
    return resolution
