"""Time buckets of a report (UTC days, ISO weeks starting on Monday, calendar months), clipped to the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ticket_core.reports.model import GroupBy, ReportFilter


@dataclass(frozen=True, slots=True)
class Bucket:
    """One time row: its key (the ISO date its bucket starts on), label and the clipped half-open range."""

    key: str
    label: str
    start: datetime
    end: datetime


def bucket_floor(at: datetime, group_by: GroupBy) -> datetime:
    """Return the UTC start of the day, ISO week (Monday) or month that contains `at`."""
    day = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if group_by is GroupBy.DAY:
        return day
    if group_by is GroupBy.WEEK:
        return day - timedelta(days=day.weekday())
    if group_by is GroupBy.MONTH:
        return day.replace(day=1)
    raise ValueError(f"{group_by} is not a time grouping")


def _next(start: datetime, group_by: GroupBy) -> datetime:
    if group_by is GroupBy.DAY:
        return start + timedelta(days=1)
    if group_by is GroupBy.WEEK:
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def bucket_key(start: datetime) -> str:
    """The stable key of a bucket: the ISO date it starts on (what SQL groups by too)."""
    return start.strftime("%Y-%m-%d")


def _label(start: datetime, group_by: GroupBy) -> str:
    if group_by is GroupBy.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if group_by is GroupBy.MONTH:
        return start.strftime("%Y-%m")
    return start.strftime("%Y-%m-%d")


def time_buckets(flt: ReportFilter, group_by: GroupBy) -> list[Bucket]:
    """Every bucket that overlaps the filter's period, in order, with ranges clipped to the period."""
    out: list[Bucket] = []
    start = bucket_floor(flt.start, group_by)
    while start < flt.end:
        following = _next(start, group_by)
        out.append(
            Bucket(bucket_key(start), _label(start, group_by), max(start, flt.start), min(following, flt.end))
        )
        start = following
    return out
