"""The one chart engine (`helpdesk.charts`): one layout, drawn as the admin's SVG and as `/report`'s PNG."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from PIL import Image

from helpdesk.charts import Chart, Series, grid_step, layout, png, report_chart, svg
from ticket_core.reports import GroupBy, Report, ReportFilter
from ticket_core.reports.model import Figures, ReportRow

START = datetime(2026, 11, 1, tzinfo=UTC)


def _report(days: int) -> Report:
    rows = [
        ReportRow(
            (START + timedelta(days=i)).date().isoformat(),
            (START + timedelta(days=i)).date().isoformat(),
            Figures(tickets_opened=i + 1, tickets_resolved=i, backlog=10 - i),
        )
        for i in range(days)
    ]
    total = Figures(tickets_opened=7, tickets_resolved=5, backlog=2)
    return Report(ReportFilter(START, START + timedelta(days=days)), GroupBy.DAY, total, rows, START)


def test_grid_steps_are_round_and_cover_the_top() -> None:
    assert [grid_step(top) for top in (1, 4, 26, 26.5, 99, 1234, 0.3)] == [0.2, 1, 10, 10, 20, 500, 0.1]


def test_bars_of_two_series_sit_side_by_side_and_a_line_passes_through_the_groups() -> None:
    chart = Chart(
        "T",
        ["a", "b"],
        [Series("x", [2, 4]), Series("y", [1, None], css="bar-2"), Series("z", [4, 3], "line")],
    )
    at = layout(chart)
    assert [(round(x), i) for x, _y, _w, _h, i, _t in at.bars] == [(48, 0), (368, 0), (160, 1)]
    assert at.bars[0][2] == at.bars[2][2] == 112.0  # each bar half the group (0.7 of a 320 slot)
    assert at.bars[1][3] == 150.0 and at.bars[0][3] == 75.0  # the top value fills the bar area
    ((index, points),) = at.lines
    assert index == 2 and [round(x) for x, _ in points] == [160, 480]
    assert [i for _x, i in at.legend] == [0, 1, 2]


def test_svg_has_a_legend_line_and_escaped_tooltips_for_several_series() -> None:
    chart = Chart("Opened <b>", ["<d>"], [Series("a&b", [1]), Series("c", [2], "line", css="line")])
    out = str(svg(chart))
    assert "<b>" not in out and "&lt;d&gt;, a&amp;b: 1" in out
    assert out.count("<polyline") == 1 and 'class="line"' in out
    assert re.search(r'<rect x="0.0" y="21" width="10" height="10" class="bar"/>', out)


def test_report_png_is_a_photo_with_every_series_in_its_colour() -> None:
    for days in (1, 30, 90):
        data = png(report_chart(_report(days), "Заявки за период", "ru"))
        image = Image.open(io.BytesIO(data)).convert("RGB")
        assert image.size == (1344, 656)
        colours = {rgb for _n, rgb in image.getcolors(1 << 20)}
        assert {(0x4A, 0x8B, 0xD6), (0x54, 0xA2, 0x4B), (0xE4, 0x57, 0x56)} <= colours, days


def test_report_chart_reads_days_in_the_readers_language_and_falls_back_to_the_total() -> None:
    assert report_chart(_report(2), "T", "ru").labels == ["1 нояб.", "2 нояб."]
    assert report_chart(_report(2), "T", "en").labels == ["Nov 1", "Nov 2"]
    assert [s.name for s in report_chart(_report(2), "T", "ru").series] == ["Открыто", "Решено", "Бэклог"]
    empty = Report(ReportFilter(START, START + timedelta(days=7)), GroupBy.NONE, Figures(3, 2), [], START)
    chart = report_chart(empty, "Tickets", "en")
    assert chart.labels == ["Tickets"] and [list(s.values) for s in chart.series] == [[3], [2], [0]]


def test_report_chart_writes_its_numbers_as_the_readers_locale_does() -> None:
    """#18: the /report photo's grid said "0.2" and "1.4" to a Russian supervisor. Its labels and "max" go
    through the same Babel formatting as the report's text (ticket_core.i18n.format_decimal)."""
    quiet = Report(
        ReportFilter(START, START + timedelta(days=1)),
        GroupBy.DAY,
        Figures(tickets_opened=1, tickets_resolved=1, backlog=0),
        [ReportRow("2026-11-01", "2026-11-01", Figures(tickets_opened=1, tickets_resolved=1, backlog=0))],
        START,
    )
    ru = report_chart(quiet, "T", "ru")
    ticks = [ru.fmt(value) for _y, value in layout(ru).ticks]
    assert ticks[:2] == ["0,2", "0,4"] and not [t for t in ticks if "." in t], ticks
    assert report_chart(quiet, "T", "en").fmt(0.2) == "0.2"
    assert ru.fmt(12345) == "12\u00a0345" and ru.fmt(None) == ""
