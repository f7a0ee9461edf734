"""SLA texts: the promised time for the client and a compact badge for staff cards, in Russian and English.

Unknown languages fall back to English; "ru-RU" counts as Russian.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ticket_core.sla.calendar import require_aware
from ticket_core.sla.clock import ClockState, SlaKind, SlaState, SlaStatus

_RU_ON_WEEKDAYS = (
    "в понедельник",
    "во вторник",
    "в среду",
    "в четверг",
    "в пятницу",
    "в субботу",
    "в воскресенье",
)
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RU_MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def normalize_lang(lang: str | None) -> str:
    """Return "ru" or "en" for a language code such as "ru", "ru-RU", "en_GB"; anything else is "en"."""
    return "ru" if (lang or "").strip().lower()[:2] == "ru" else "en"


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
    if normalize_lang(lang) == "ru":
        # "до 14:30 в среду, 4 марта": the time, then the day as Russian says it (it read "до 14:30 ср, 4 марта").
        weekday, month = _RU_ON_WEEKDAYS[local.weekday()], _RU_MONTHS[local.month - 1]
        return f"до {local:%H:%M} {weekday}, {local.day} {month}{year}"
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    weekday, month = _EN_WEEKDAYS[local.weekday()], _EN_MONTHS[local.month - 1]
    return f"by {hour}:{local.minute:02d} {half} {weekday}, {local.day} {month}{year}"


def format_duration(value: timedelta, lang: str) -> str:
    """Return a short duration rounded down to minutes: "1 ч 20 мин", "2 d 3 h", "<1 min"; negatives as positive."""
    ru = normalize_lang(lang) == "ru"
    minutes = int(abs(value).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    d, h, m = ("д", "ч", "мин") if ru else ("d", "h", "min")
    if minutes == 0:
        return f"<1 {m}"
    if days:
        return f"{days} {d} {hours} {h}" if hours else f"{days} {d}"
    if hours:
        return f"{hours} {h} {mins} {m}" if mins else f"{hours} {h}"
    return f"{mins} {m}"


def clock_badge(clock: ClockState, lang: str) -> str:
    """Return the badge of one clock: time left (business time), paused, met, or how long ago it breached."""
    ru = normalize_lang(lang) == "ru"
    if ru:
        label = "SLA ответа" if clock.kind is SlaKind.RESPONSE else "SLA"
    else:
        label = "Response SLA" if clock.kind is SlaKind.RESPONSE else "SLA"
    if clock.status is SlaStatus.BREACHED:
        if clock.is_met:
            return f"{label}: выполнен с опозданием" if ru else f"{label}: met late"
        ago = format_duration(clock.now - (clock.breached_at or clock.now), lang)
        return f"{label}: нарушен {ago} назад" if ru else f"{label}: breached {ago} ago"
    if clock.status is SlaStatus.MET:
        return f"{label}: выполнен" if ru else f"{label}: met"
    left = format_duration(clock.remaining, lang)
    if clock.status is SlaStatus.PAUSED:
        return f"{label}: пауза, осталось {left}" if ru else f"{label}: paused, {left} left"
    warn = "⚠ " if clock.status is SlaStatus.AT_RISK else ""
    return f"{warn}{label}: {left} осталось" if ru else f"{warn}{label}: {left} left"


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
