"""The report model: what is asked (filter, grouping) and what comes back (figures per row).

Every metric is defined in `ticket_core.reports.reference` and in docs/reports.md; this module only holds
the shapes that the storage source, the chat command and the admin pages share.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from ticket_core.errors import ValidationFailed

MAX_PERIOD = timedelta(days=3 * 366)
"""The longest period one report covers; longer ones are refused with a clear message."""


def _require_utc(value: object, name: str) -> None:
    if not isinstance(value, datetime):
        raise ValidationFailed(
            "The report's {name} must be a date and time, got {kind}.",
            name=name,
            kind=type(value).__name__,
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(
            "The report's {name} must be timezone-aware (UTC); give it with a time zone.", name=name
        )


def _require_id(value: object, name: str) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValidationFailed(
            "The report's {name} filter must be a non-empty id of at most 200 characters.", name=name
        )


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """Which tickets and requests a report covers: the half-open period [start, end) and optional filters.

    Raises:
        ValidationFailed: a naive timestamp, start not before end, a period over three years, or an
            empty filter value.
    """

    start: datetime
    end: datetime
    category: str | None = None
    client_id: str | None = None
    site_id: str | None = None
    engineer_id: str | None = None

    def __post_init__(self) -> None:
        _require_utc(self.start, "start")
        _require_utc(self.end, "end")
        if self.start >= self.end:
            raise ValidationFailed("The report's start must be before its end; swap or widen the dates.")
        if self.end - self.start > MAX_PERIOD:
            raise ValidationFailed("A report covers at most three years; pick a shorter period.")
        for name in ("category", "client_id", "site_id", "engineer_id"):
            _require_id(getattr(self, name), name)

    @property
    def ticket_only(self) -> bool:
        """True when a filter narrows to tickets (category, site, engineer) that requests cannot follow."""
        return any(v is not None for v in (self.category, self.site_id, self.engineer_id))


class GroupBy(StrEnum):
    """How report rows are split: not at all, by time bucket (UTC) or by a dimension."""

    NONE = "none"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    CATEGORY = "category"
    CLIENT = "client"
    SITE = "site"
    ENGINEER = "engineer"

    @property
    def is_time(self) -> bool:
        """True for the time buckets (day, week, month)."""
        return self in (GroupBy.DAY, GroupBy.WEEK, GroupBy.MONTH)


@dataclass(frozen=True, slots=True)
class Figures:
    """The key figures of one row (or the total). None means "undefined here" (nothing to measure).

    Durations are seconds; rates are shares between 0 and 1; `csat_avg` is on the 1-5 scale.
    """

    tickets_opened: int = 0
    tickets_resolved: int = 0
    frt_median_s: float | None = None
    frt_p90_s: float | None = None
    mttr_median_s: float | None = None
    mttr_p90_s: float | None = None
    sla_met: int = 0
    sla_breached: int = 0
    sla_compliance: float | None = None
    fcr_rate: float | None = None
    csat_avg: float | None = None
    csat_count: int = 0
    reopen_rate: float | None = None
    backlog: int = 0
    kb_requests: int | None = None
    kb_deflected: int | None = None
    deflection_rate: float | None = None
    lost_requests: int | None = None


FIGURE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Figures))
"""The figures in their stable order (CSV columns, pages)."""


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One group of a report: its stable key (a date, an id, "" for none) and what people read."""

    key: str
    label: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class Report:
    """A computed report: the question, the total over the whole filter and one row per group."""

    filter: ReportFilter
    group_by: GroupBy
    total: Figures
    rows: list[ReportRow]
    generated_at: datetime


class ReportSource(Protocol):
    """Computes reports where the data lives (storage implements it with set-based SQL)."""

    async def report(self, flt: ReportFilter, group_by: GroupBy) -> Report:
        """Return the report for `flt` split by `group_by`."""
        ...
