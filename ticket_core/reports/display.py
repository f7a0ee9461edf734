"""Key figures of a report as (label, formatted value) pairs, for the chat command and the pages."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from ticket_core.durations import DASH, DurationStyle, format_duration
from ticket_core.i18n import format_decimal, format_percent
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


def format_rate(value: float | None, lang: str = "en") -> str:
    """A share as a percentage with one decimal in the reader's locale ("66.7%", "66,7 %"); a dash when
    undefined."""
    return DASH if value is None else format_percent(value, lang)


def format_mean(value: float | None, lang: str = "en") -> str:
    """An average score with two decimals in the reader's locale ("4.50", "4,50"); a dash when undefined."""
    return DASH if value is None else format_decimal(value, lang, "0.00")


def figure_lines(
    fig: Figures, labels: Mapping[str, str] | None = None, lang: str = "en"
) -> list[tuple[str, str]]:
    """The key figures of one row (durations and numbers in `lang`); request figures are left out where undefined."""
    text = {**KEY_FIGURE_LABELS, **(labels or {})}
    duration = partial(format_duration, lang=lang, style=DurationStyle.REPORT)
    rate = partial(format_rate, lang=lang)
    lines = [
        (text["opened"], str(fig.tickets_opened)),
        (text["resolved"], str(fig.tickets_resolved)),
        (text["frt"], f"{duration(fig.frt_median_s)} / {duration(fig.frt_p90_s)}"),
        (text["mttr"], f"{duration(fig.mttr_median_s)} / {duration(fig.mttr_p90_s)}"),
        (text["sla"], f"{rate(fig.sla_compliance)} ({fig.sla_met}/{fig.sla_met + fig.sla_breached})"),
        (text["fcr"], rate(fig.fcr_rate)),
        (
            text["csat"],
            DASH if fig.csat_avg is None else f"{format_mean(fig.csat_avg, lang)} ({fig.csat_count})",
        ),
        (text["reopen"], rate(fig.reopen_rate)),
        (text["backlog"], str(fig.backlog)),
    ]
    if fig.kb_requests is not None:
        lines.append(
            (text["deflection"], f"{rate(fig.deflection_rate)} ({fig.kb_deflected}/{fig.kb_requests})")
        )
    if fig.lost_requests is not None:
        lines.append((text["lost"], str(fig.lost_requests)))
    return lines


def key_figures(
    report: Report, labels: Mapping[str, str] | None = None, lang: str = "en"
) -> list[tuple[str, str]]:
    """The key figures of a report's total as (label, formatted value) pairs, durations in `lang`."""
    return figure_lines(report.total, labels, lang)
