"""Server-rendered inline SVG bar charts (no scripts): one chart per report figure over its groups."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

WIDTH = 640
BAR_AREA = 150
LABEL_SPACE = 40


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    fmt: Callable[[float | None], str] = lambda v: "" if v is None else f"{v:g}",
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
    show_every = max(1, n // 16)
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
                f"{escape(label[:14])}</text>"
            )
    parts.append(
        f'<text x="{WIDTH}" y="14" class="chart-max" text-anchor="end">max {escape(fmt(top))}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
