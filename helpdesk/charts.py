"""The one chart engine: bars (one or more series side by side) and lines over labelled groups, laid out once
and written as inline SVG (the web admin's reports page) or as a PNG (`/report`'s photo in the staff chat).

The layout (`layout`) decides every position; `svg` and `png` only draw it, so both look the same. The SVG has
no script and escapes every text; its colours come from `admin.css` classes. The PNG is drawn with Pillow
(already there for fpdf2) at twice its size and scaled down, so lines and text are smooth, in DejaVu Sans
(`helpdesk/fonts`, which has Cyrillic).
"""

from __future__ import annotations

import asyncio
import io
import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Literal

from babel.dates import format_skeleton
from markupsafe import Markup
from PIL import Image, ImageDraw, ImageFont

from dialogue.i18n import N_, say
from helpdesk.fonts import BOLD, REGULAR
from ticket_core.i18n import format_decimal
from ticket_core.reports import Report

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

Number = float | int | None


def _plain(value: Number) -> str:
    return "" if value is None else f"{value:g}"


@dataclass(frozen=True, slots=True)
class Series:
    """One row of values over the chart's groups; None leaves a gap. `css` names its SVG class, `color`
    its PNG colour (the same as admin.css gives the class)."""

    name: str
    values: Sequence[Number]
    kind: Literal["bar", "line"] = "bar"
    css: str = "bar"
    color: str = "#4a8bd6"


@dataclass(frozen=True, slots=True)
class Chart:
    """What to draw: a title, the groups' labels and the series; `most` prefixes the top value's label."""

    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    fmt: Callable[[Number], str] = _plain
    most: str = "max"
    bar_area: int = BAR_AREA
    grid: bool = False
    """Horizontal lines at round values, labelled on the left (the photo has no tooltips to read values)."""


@dataclass(frozen=True, slots=True)
class Layout:
    """Where everything goes, in SVG units (the PNG multiplies them)."""

    width: int
    height: int
    axis_y: float
    top: float
    left: float = 0.0
    """The plot starts here (room for the grid's labels)."""
    ticks: list[tuple[float, float]] = field(default_factory=list)
    """y and value of each grid line."""
    bars: list[tuple[float, float, float, float, int, str]] = field(default_factory=list)
    """x, y, width, height, series index, tooltip."""
    lines: list[tuple[int, list[tuple[float, float]]]] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)
    legend: list[tuple[float, int]] = field(default_factory=list)
    """x of each legend entry (after the title), series index; only with more than one series."""


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


def grid_step(top: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) that cuts 0..top into at most five parts."""
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def layout(chart: Chart) -> Layout:
    """Place the bars (side by side within a group), the lines' points, the shown labels and the legend."""
    values = [v for s in chart.series for v in s.values if v is not None]
    most = float(max(values, default=0.0)) or 1.0
    left = 0.0
    scale_top = most
    if chart.grid and most > 0:
        step = grid_step(most)
        scale_top = step * math.ceil(most / step)
        left = 8 + LABEL_CHAR_PX * max(len(chart.fmt(scale_top)), 1)
    n = max(1, len(chart.labels))
    slot = (WIDTH - left) / n
    bars = [s for s in chart.series if s.kind == "bar"]
    axis_y = chart.bar_area + 20.0
    group = max(2.0, slot * 0.7)
    bar = max(1.0, group / max(1, len(bars)))
    out = Layout(WIDTH, round(axis_y) + LABEL_SPACE // 2 + 8, axis_y, most, left)

    def height(value: float) -> float:
        return max(0.0, value) / scale_top * chart.bar_area

    if chart.grid and most > 0:
        step = grid_step(most)
        out.ticks.extend((axis_y - height(i * step), i * step) for i in range(1, round(scale_top / step) + 1))

    for index, series in enumerate(chart.series):
        if series.kind == "line":
            points = [
                (left + i * slot + slot / 2, axis_y - height(float(v)))
                for i, v in enumerate(series.values[:n])
                if v is not None
            ]
            out.lines.append((index, points))
            continue
        place = bars.index(series)
        for i, (label, value) in enumerate(zip(chart.labels, series.values, strict=False)):
            if value is not None:
                h = height(float(value))
                x = left + i * slot + (slot - group) / 2 + place * bar
                tip = (
                    f"{label}: {chart.fmt(value)}"
                    if len(chart.series) == 1
                    else f"{label}, {series.name}: {chart.fmt(value)}"
                )
                out.bars.append((x, axis_y - h, bar, h, index, tip))
    show_every = label_step(chart.labels, slot)
    out.labels.extend(
        (left + i * slot + slot / 2, label[:LABEL_MAX_CHARS])
        for i, label in enumerate(chart.labels)
        if i % show_every == 0
    )
    if len(chart.series) > 1:
        x = 0.0
        for index, series in enumerate(chart.series):
            out.legend.append((x, index))
            x += 22 + len(series.name) * LABEL_CHAR_PX
    return out


def svg(chart: Chart) -> Markup:
    """The chart as inline SVG; undefined values leave a gap; every text is escaped."""
    at = layout(chart)
    title_y = 14
    legend_y = 30 if at.legend else 0
    shift = legend_y and 12  # a legend row under the title pushes the plot down
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {at.width} {at.height + shift}" width="{at.width}" '
        f'height="{at.height + shift}" xmlns="http://www.w3.org/2000/svg"><title>{escape(chart.title)}</title>',
        f'<text x="0" y="{title_y}" class="chart-title">{escape(chart.title)}</text>',
    ]
    for x, index in at.legend:
        series = chart.series[index]
        parts.append(
            f'<rect x="{x:.1f}" y="{legend_y - 9}" width="10" height="10" class="{series.css}"/>'
            f'<text x="{x + 14:.1f}" y="{legend_y}" class="chart-label">{escape(series.name)}</text>'
        )
    if shift:
        parts.append(f'<g transform="translate(0 {shift})">')
    for y, value in at.ticks:
        parts.append(
            f'<line x1="{at.left:.1f}" y1="{y:.1f}" x2="{at.width}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{at.left - 6:.1f}" y="{y + 3:.1f}" class="chart-label" text-anchor="end">{escape(chart.fmt(value))}</text>'
        )
    parts.append(
        f'<line x1="{at.left:g}" y1="{at.axis_y:g}" x2="{at.width}" y2="{at.axis_y:g}" class="axis"/>'
    )
    for x, y, w, h, index, tip in at.bars:
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" class="{chart.series[index].css}">'
            f"<title>{escape(tip)}</title></rect>"
        )
    for index, points in at.lines:
        css = chart.series[index].css
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" class="{css}" fill="none"/>')
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="{css}"/>' for x, y in points)
    for x, text in at.labels:
        parts.append(
            f'<text x="{x:.1f}" y="{at.axis_y + 16:g}" class="chart-label" text-anchor="middle">{escape(text)}</text>'
        )
    if shift:
        parts.append("</g>")
    parts.append(
        f'<text x="{at.width}" y="{title_y}" class="chart-max" text-anchor="end">'
        f"{escape(chart.most)} {escape(chart.fmt(at.top))}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))


_fonts = threading.local()


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """A font loaded once per thread: a FreeType face must not draw in two threads at once."""
    loaded: dict[tuple[int, bool], ImageFont.FreeTypeFont] = _fonts.__dict__.setdefault("loaded", {})
    if (size, bold) not in loaded:
        loaded[size, bold] = ImageFont.truetype(str(BOLD if bold else REGULAR), size)
    return loaded[size, bold]


def png(chart: Chart, scale: float = 2.0) -> bytes:
    """The chart as a PNG `scale` times the SVG's size, on white, drawn at double that and scaled down."""
    at = layout(chart)
    pad, legend = 16.0, 18.0 if at.legend else 0.0
    k = scale * 2  # supersampling: smooth edges after the resize

    def p(value: float) -> int:
        return round(value * k)

    size = (p(at.width + 2 * pad), p(at.height + legend + 2 * pad))
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    ox, oy = pad, pad + legend  # the plot's origin
    ink, muted = "#1d2733", "#4b5765"
    draw.text((p(pad), p(pad)), chart.title, fill=ink, font=_font(p(13), bold=True), anchor="ls")
    most = f"{chart.most} {chart.fmt(at.top)}"
    draw.text((p(pad + at.width), p(pad)), most, fill=muted, font=_font(p(10)), anchor="rs")
    for x, index in at.legend:
        series = chart.series[index]
        draw.rectangle((p(ox + x), p(pad + 8), p(ox + x + 10), p(pad + 18)), fill=series.color)
        draw.text((p(ox + x + 14), p(pad + 17)), series.name, fill=muted, font=_font(p(10)), anchor="ls")
    for y, value in at.ticks:
        draw.line((p(ox + at.left), p(oy + y), p(ox + at.width), p(oy + y)), fill="#e3e8ee", width=p(1))
        label = chart.fmt(value)
        draw.text((p(ox + at.left - 6), p(oy + y + 3)), label, fill=muted, font=_font(p(10)), anchor="rs")
    draw.line(
        (p(ox + at.left), p(oy + at.axis_y), p(ox + at.width), p(oy + at.axis_y)), fill="#9aa7b5", width=p(1)
    )
    for x, y, w, h, index, _tip in at.bars:
        if h > 0:
            draw.rectangle(
                (p(ox + x), p(oy + y), p(ox + x + w) - 1, p(oy + y + h)), fill=chart.series[index].color
            )
    for index, points in at.lines:
        color = chart.series[index].color
        scaled = [(p(ox + x), p(oy + y)) for x, y in points]
        if len(scaled) > 1:
            draw.line(scaled, fill=color, width=p(2), joint="curve")
        for x, y in scaled:
            draw.ellipse((x - p(3), y - p(3), x + p(3), y + p(3)), fill=color)
    for x, text in at.labels:
        draw.text((p(ox + x), p(oy + at.axis_y + 16)), text, fill=muted, font=_font(p(10)), anchor="ms")
    final = image.resize((round(size[0] / 2), round(size[1] / 2)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    final.save(out, format="PNG")
    return out.getvalue()


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[Number],
    fmt: Callable[[Number], str] = _plain,
    most: str = "max",
) -> Markup:
    """One figure over the groups as an SVG bar chart (the admin's reports page)."""
    return svg(Chart(title, labels, [Series(title, values)], fmt, most))


LEGEND = (N_("Opened"), N_("Resolved"), N_("Backlog"), N_("max"))
"""`/report`'s series names and the top value's prefix, per language."""


def report_chart(report: Report, title: str, lang: str = "en") -> Chart:
    """A report's groups (or its total when it has none): opened and resolved bars, the backlog as a line."""
    opened, resolved, backlog, most = (say(lang, word) for word in LEGEND)
    rows = report.rows
    labels = [group_value_label(r.label, report.group_by, lang) for r in rows] or [title]
    figures = [r.figures for r in rows] or [report.total]
    return Chart(
        title,
        labels,
        [
            Series(opened, [f.tickets_opened for f in figures], css="bar", color="#4a8bd6"),
            Series(resolved, [f.tickets_resolved for f in figures], css="bar-2", color="#54a24b"),
            Series(backlog, [f.backlog for f in figures], kind="line", css="line", color="#e45756"),
        ],
        fmt=lambda value: "" if value is None else format_decimal(value, lang),  # "0,5" to a Russian reader
        most=most,
        bar_area=230,
        grid=True,
    )


class PngChartRenderer:
    """Implements `dialogue.report_command.ChartRenderer`: `/report`'s chart as a PNG, drawn in a worker thread
    so the event loop never waits on it."""

    async def render(self, report: Report, title: str, lang: str) -> bytes:
        """Return the PNG bytes of the report's chart."""
        return await asyncio.to_thread(png, report_chart(report, title, lang))
