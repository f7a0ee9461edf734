"""`MatplotlibChartRenderer`: a report's time rows as a PNG (opened and resolved bars, backlog line).

Implements `dialogue.report_command.ChartRenderer`. It draws on a bare `matplotlib.figure.Figure` with the
Agg canvas (no pyplot, no global state, so it is safe in worker threads), and runs in `asyncio.to_thread`
so the event loop never waits on drawing.
"""

from __future__ import annotations

import asyncio
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ticket_core.reports import Report

LEGEND = {
    "ru": ("Открыто", "Решено", "Бэклог", "заявки"),
    "en": ("Opened", "Resolved", "Backlog", "tickets"),
}
"""Series names and the y axis label per language."""


def render_png(report: Report, title: str, lang: str = "en", *, dpi: int = 100) -> bytes:
    """Draw the report's rows (or its total when it has none) as a 900x450 PNG and return its bytes."""
    opened_name, resolved_name, backlog_name, axis = LEGEND.get(lang, LEGEND["en"])
    rows = report.rows or []
    labels = [r.label for r in rows] or ["total"]
    opened = [r.figures.tickets_opened for r in rows] or [report.total.tickets_opened]
    resolved = [r.figures.tickets_resolved for r in rows] or [report.total.tickets_resolved]
    backlog = [r.figures.backlog for r in rows] or [report.total.backlog]

    fig = Figure(figsize=(9, 4.5), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    x = list(range(len(labels)))
    width = 0.4
    ax.bar([i - width / 2 for i in x], opened, width, label=opened_name, color="#4C78A8")
    ax.bar([i + width / 2 for i in x], resolved, width, label=resolved_name, color="#54A24B")
    ax.plot(x, backlog, label=backlog_name, color="#E45756", marker="o", linewidth=2)
    ax.set_title(title)
    ax.set_ylabel(axis)
    step = max(1, len(labels) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels(labels[::step], rotation=30, ha="right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


class MatplotlibChartRenderer:
    """Renders report charts with matplotlib in a worker thread."""

    async def render(self, report: Report, title: str, lang: str) -> bytes:
        """Return the PNG bytes of the report's chart."""
        return await asyncio.to_thread(render_png, report, title, lang)
