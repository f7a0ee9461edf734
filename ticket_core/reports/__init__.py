"""Reports: metric definitions, the report model, its CSV and chat forms, and who may see them."""

from ticket_core.reports.buckets import Bucket, time_buckets
from ticket_core.reports.csv import HEADER, report_to_csv
from ticket_core.reports.display import format_rate, key_figures
from ticket_core.reports.model import (
    FIGURE_NAMES,
    Figures,
    GroupBy,
    Report,
    ReportFilter,
    ReportRow,
    ReportSource,
)
from ticket_core.reports.usecase import get_report

__all__ = [
    "FIGURE_NAMES",
    "HEADER",
    "Bucket",
    "Figures",
    "GroupBy",
    "Report",
    "ReportFilter",
    "ReportRow",
    "ReportSource",
    "format_rate",
    "get_report",
    "key_figures",
    "report_to_csv",
    "time_buckets",
]
