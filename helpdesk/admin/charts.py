"""Server-rendered inline SVG bar charts (no scripts): one chart per report figure over its groups."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date
from html import escape

from babel.dates import format_skeleton
from markupsafe import Markup

WIDTH = 640
BAR_AREA = 150
LABEL_SPACE = 40
LABEL_CHAR_PX = 6.2
"""Width of one character of a 10 px axis label (admin.css), generous for digits and Cyrillic alike."""
LABEL_GAP_PX = 8
LABEL_MAX_CHARS = 14
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def group_value_label(label: str, group_by: str, lang: str) -> str:
    """A report row's label as people read it: a day "7 нояб." / "Nov 7", a month "нояб. 2026 г." / "Nov
    2026", a week "нед. 45" / "wk 45"; other labels (names) as they are."""
    if group_by == "day" and _DAY.match(label):
        return format_skeleton("MMMd", date.fromisoformat(label), locale=lang)
    if group_by == "month" and _MONTH.match(label):
        return format_skeleton("yMMM", date.fromisoformat(label + "-01"), locale=lang)
    week = _WEEK.match(label)
    if group_by == "week" and week:
        return f"{'нед.' if lang == 'ru' else 'wk'} {int(week.group(2))}"
    return label


def label_step(labels: Sequence[str], slot: float) -> int:
    """Show every n-th axis label so that the shown ones never overlap: n slots hold the longest label."""
    longest = max((len(label[:LABEL_MAX_CHARS]) for label in labels), default=0)
    return max(1, math.ceil((longest * LABEL_CHAR_PX + LABEL_GAP_PX) / slot))


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    fmt: Callable[[float | None], str] = lambda v: "" if v is None else f"{v:g}",
    most: str = "max",
) -> Markup:
    """An SVG bar chart; undefined values leave a gap; every text is escaped."""
    n = max(1, len(labels))
    slot = WIDTH / n
    bar = max(2.0, slot * 0.7)
    top = max((v for v in values if v is not None), default=0.0) or 1.0
    height = BAR_AREA + LABEL_SPACE + 24
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<text x="0" y="14" class="chart-title">{escape(title)}</text>',
        f'<line x1="0" y1="{BAR_AREA + 20}" x2="{WIDTH}" y2="{BAR_AREA + 20}" class="axis"/>',
    ]
    show_every = label_step(labels, slot)
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        x = i * slot + (slot - bar) / 2
        if value is not None:
            h = max(0.0, value) / top * BAR_AREA if top > 0 else 0.0
            y = BAR_AREA + 20 - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" class="bar">'
                f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>"
            )
        if i % show_every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{BAR_AREA + 36}" class="chart-label" text-anchor="middle">'
                f"{escape(label[:LABEL_MAX_CHARS])}</text>"
            )
    parts.append(
        f'<text x="{WIDTH}" y="14" class="chart-max" text-anchor="end">{escape(most)} {escape(fmt(top))}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
