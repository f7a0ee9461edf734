"""Key figures of a report as (label, formatted value) pairs, for the chat command and the pages."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from ticket_core.reports.model import Figures, Report

KEY_FIGURE_LABELS: dict[str, str] = {
    "opened": "Opened",
    "resolved": "Resolved",
    "frt": "First response (median / p90)",
    "mttr": "Time to resolve (median / p90)",
    "sla": "SLA compliance",
    "fcr": "First-contact resolution",
    "csat": "CSAT",
    "reopen": "Reopen rate",
    "backlog": "Backlog",
    "deflection": "KB deflection",
    "lost": "Lost requests",
}
"""English labels of the key figures; callers pass translated ones with the same keys."""

DASH = "—"
"""Shown for a figure with nothing to measure."""


UNITS = {"ru": ("с", "мин", "ч", "д"), "en": ("s", "min", "h", "d")}


def format_duration(seconds: float | None, lang: str = "en") -> str:
    """A duration for people: "45 s", "12 min", "3 h 05 min", "2 d 4 h" (in Russian "12 мин"...); a dash
    when undefined."""
    if seconds is None:
        return DASH
    sec, mins, hrs, days_unit = UNITS["ru" if lang == "ru" else "en"]
    s = round(seconds)
    if s < 60:
        return f"{s} {sec}"
    minutes = s // 60
    if minutes < 60:
        return f"{minutes} {mins}"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} {hrs} {minutes:02d} {mins}"
    days, hours = divmod(hours, 24)
    return f"{days} {days_unit} {hours} {hrs}"


def format_rate(value: float | None) -> str:
    """A share as a percentage with one decimal; a dash when undefined."""
    return DASH if value is None else f"{value * 100:.1f}%"


def figure_lines(
    fig: Figures, labels: Mapping[str, str] | None = None, lang: str = "en"
) -> list[tuple[str, str]]:
    """The key figures of one row (durations in `lang`); request figures are left out where undefined."""
    text = {**KEY_FIGURE_LABELS, **(labels or {})}
    duration = partial(format_duration, lang=lang)
    lines = [
        (text["opened"], str(fig.tickets_opened)),
        (text["resolved"], str(fig.tickets_resolved)),
        (text["frt"], f"{duration(fig.frt_median_s)} / {duration(fig.frt_p90_s)}"),
        (text["mttr"], f"{duration(fig.mttr_median_s)} / {duration(fig.mttr_p90_s)}"),
        (text["sla"], f"{format_rate(fig.sla_compliance)} ({fig.sla_met}/{fig.sla_met + fig.sla_breached})"),
        (text["fcr"], format_rate(fig.fcr_rate)),
        (text["csat"], DASH if fig.csat_avg is None else f"{fig.csat_avg:.2f} ({fig.csat_count})"),
        (text["reopen"], format_rate(fig.reopen_rate)),
        (text["backlog"], str(fig.backlog)),
    ]
    if fig.kb_requests is not None:
        lines.append(
            (text["deflection"], f"{format_rate(fig.deflection_rate)} ({fig.kb_deflected}/{fig.kb_requests})")
        )
    if fig.lost_requests is not None:
        lines.append((text["lost"], str(fig.lost_requests)))
    return lines


def key_figures(
    report: Report, labels: Mapping[str, str] | None = None, lang: str = "en"
) -> list[tuple[str, str]]:
    """The key figures of a report's total as (label, formatted value) pairs, durations in `lang`."""
    return figure_lines(report.total, labels, lang)
