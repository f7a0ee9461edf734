"""CSV export of a report: one header line with units in the names, the total first, then the rows."""

from __future__ import annotations

import io

from ticket_core.csv_cells import GuardedWriter
from ticket_core.reports.model import FIGURE_NAMES, Figures, Report

RATES = frozenset({"sla_compliance", "fcr_rate", "reopen_rate", "deflection_rate"})
"""Figures that are shares; the CSV writes them as percentages."""

COLUMN_NAMES: dict[str, str] = {
    **{name: name for name in FIGURE_NAMES},
    "tickets_opened": "tickets_opened_count",
    "tickets_resolved": "tickets_resolved_count",
    "sla_met": "sla_met_count",
    "sla_breached": "sla_breached_count",
    "sla_compliance": "sla_compliance_pct",
    "fcr_rate": "fcr_rate_pct",
    "csat_avg": "csat_avg_score_1_5",
    "csat_count": "csat_count",
    "reopen_rate": "reopen_rate_pct",
    "backlog": "backlog_count",
    "kb_requests": "kb_requests_count",
    "kb_deflected": "kb_deflected_count",
    "deflection_rate": "deflection_rate_pct",
    "lost_requests": "lost_requests_count",
}
"""CSV column of each figure (durations already end in `_s`)."""

HEADER: tuple[str, ...] = ("group_by", "key", "label", *(COLUMN_NAMES[n] for n in FIGURE_NAMES))
"""The CSV header, in a stable order."""

TOTAL_KEY = "total"
"""Key of the first data line, the total over the whole filter."""


def _cell(name: str, value: object) -> str:
    if value is None:
        return ""
    if name in RATES:
        return f"{float(value) * 100:.2f}"  # type: ignore[arg-type]
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _cells(fig: Figures) -> list[str]:
    return [_cell(name, getattr(fig, name)) for name in FIGURE_NAMES]


def report_to_csv(report: Report) -> str:
    """Render a report as CSV text (RFC 4180, CRLF line ends); empty cells are undefined figures."""
    out = io.StringIO()
    writer = GuardedWriter(out)  # labels are client, site and category names
    writer.writerow(HEADER)
    writer.writerow([str(report.group_by), TOTAL_KEY, "Total", *_cells(report.total)])
    for row in report.rows:
        writer.writerow([str(report.group_by), row.key, row.label, *_cells(row.figures)])
    return out.getvalue()
