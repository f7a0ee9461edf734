"""Durations as people read them, in one function for every part (the SLA badges, the reports, the admin, the
chats' buttons): `format_duration(value, lang, style=...)`. The units are the domain's words, said through
ticket_core's catalogue ("12 мин" in Russian); a style says only how the parts are chosen.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from ticket_core.i18n import say

DASH = "—"
"""A report's figure with nothing to measure."""

_DAY = 24 * 60


class DurationStyle(StrEnum):
    """How a duration is cut into parts; every style rounds down to its smallest unit.

    - `EXACT` (the admin's columns): two parts always, signed: "1 d 0 h", "3 h 5 min", "0 min", "-10 min";
      None is empty.
    - `SHORT` (SLA badges, the job-time buttons): its size only (the badge says "left" or "ago"), a zero
      part left out: "2 h", "1 h 20 min", "2 d 3 h", "<1 min".
    - `REPORT` (report figures): seconds under a minute, minutes padded to two digits beside hours: "45 s",
      "12 min", "3 h 05 min", "2 d 4 h"; None is a dash.
    - `WHOLE` (a chosen step: "extend by"): the largest unit that divides it: "30 min", "90 min", "2 h", "1 d".
    """

    EXACT = "exact"
    SHORT = "short"
    REPORT = "report"
    WHOLE = "whole"


def format_duration(value: float | timedelta | None, lang: str = "en", *, style: DurationStyle) -> str:
    """A duration (seconds or a timedelta) in the reader's language, cut into parts as `style` says."""
    if value is None:
        return DASH if style is DurationStyle.REPORT else ""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign = "-" if seconds < 0 and style is not DurationStyle.SHORT else ""
    if style is DurationStyle.REPORT:
        whole = round(abs(seconds))
        if whole < 60:
            return sign + say(lang, "{seconds} s", seconds=whole)
        return sign + _parts(lang, whole // 60, pad=True)
    minutes = int(abs(seconds) // 60)
    if style is DurationStyle.SHORT:
        return say(lang, "<1 min") if minutes == 0 else _parts(lang, minutes, drop_zero=True)
    if style is DurationStyle.WHOLE:
        return sign + _whole(lang, minutes)
    return sign + _parts(lang, minutes)


def _parts(lang: str, minutes: int, *, drop_zero: bool = False, pad: bool = False) -> str:
    """The two largest parts of `minutes`: days and hours, or hours and minutes, or minutes alone."""
    days, rest = divmod(minutes, _DAY)
    hours, mins = divmod(rest, 60)
    if days:
        if drop_zero and not hours:
            return say(lang, "{days} d", days=days)
        return say(lang, "{days} d {hours} h", days=days, hours=hours)
    if hours:
        if drop_zero and not mins:
            return say(lang, "{hours} h", hours=hours)
        shown = f"{mins:02d}" if pad else str(mins)  # "3 h 05 min" in a report's column
        return say(lang, "{hours} h {minutes} min", hours=hours, minutes=shown)
    return say(lang, "{minutes} min", minutes=mins)


def _whole(lang: str, minutes: int) -> str:
    """`minutes` in the largest unit that divides them."""
    if minutes and minutes % _DAY == 0:
        return say(lang, "{days} d", days=minutes // _DAY)
    if minutes and minutes % 60 == 0:
        return say(lang, "{hours} h", hours=minutes // 60)
    return say(lang, "{minutes} min", minutes=minutes)
