"""Which rollup cells answer a report: the dimension its filter needs, and its period as whole month blocks,
whole UTC days and the live edges left over.

`storage.report_rollups` reads the cells this names and the rows of the edges; see its docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from storage.report_rollup_sql import MONTH_BLOCKS
from ticket_core.reports.model import GroupBy, ReportFilter

DIMENSION_OF = {
    GroupBy.CATEGORY: "category",
    GroupBy.CLIENT: "client",
    GroupBy.SITE: "site",
    GroupBy.ENGINEER: "engineer",
}
"""The rollup dimension of each dimension grouping."""

_DAY = timedelta(days=1)


def rollup_dimension(flt: ReportFilter, group_by: GroupBy) -> tuple[str, str | None] | None:
    """The cells' dimension and key that answer the filter, or None when the rollups cannot.

    No filter: the "all" dimension. One filter: its dimension and value, if the rows are the total, time
    buckets or that same dimension. More filters, or rows by another dimension: None (cells are per
    single dimension).
    """
    given = {
        "category": flt.category,
        "client": flt.client_id,
        "site": flt.site_id,
        "engineer": flt.engineer_id,
    }
    chosen = [(dim, value) for dim, value in given.items() if value is not None]
    if not chosen:
        return ("all", None)
    if len(chosen) > 1:
        return None
    dim, value = chosen[0]
    if group_by is GroupBy.NONE or group_by.is_time or DIMENSION_OF[group_by] == dim:
        return (dim, value)
    return None


@dataclass(frozen=True, slots=True)
class CellRange:
    """Cells of one grain whose start is in `[lo, hi)` (`lo` None: from the beginning), added `sign` times."""

    grain: str
    lo: date | None
    hi: date
    sign: int = 1


@dataclass(frozen=True, slots=True)
class Split:
    """A period as cell ranges and the live ranges left over at its edges."""

    cells: list[CellRange]
    live: list[tuple[datetime, datetime]]


def _midnight(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return datetime(at.year, at.month, at.day, tzinfo=UTC)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _blocks(lo: int | None, hi: int, biggest: int) -> list[CellRange]:
    """Month indexes `[lo, hi)` (lo None: all before hi) as aligned blocks of at most `biggest` months,
    the largest that fit first."""
    out: list[CellRange] = []
    sizes = [k for k in MONTH_BLOCKS if k <= biggest]
    big = sizes[-1]
    if lo is None:
        lo = hi - hi % big
        if lo > 0:
            out.append(CellRange(str(big), None, _month(lo)))
    while lo < hi:
        size = next(k for k in reversed(sizes) if lo % k == 0 and lo + k <= hi)
        out.append(CellRange(str(size), _month(lo), _month(lo) + _DAY))
        lo += size
    return out


def _days(lo: date, hi: date, sign: int = 1) -> list[CellRange]:
    return [CellRange("d", lo, hi, sign)] if lo < hi else []


def _part_month(lo: date, hi: date) -> list[CellRange]:
    """Days `[lo, hi)` of one month: as day cells, or as the month less the days outside when fewer."""
    first = lo.replace(day=1)
    after = _month(_month_index(first) + 1)
    outside = (lo - first).days + (after - hi).days
    if outside >= (hi - lo).days:
        return _days(lo, hi)
    return [CellRange("1", first, first + _DAY), *_days(first, lo, -1), *_days(hi, after, -1)]


def split_period(start: datetime | None, end: datetime, *, months: int) -> Split:
    """Split `[start, end)` (start None: all history) into month blocks, day cells and live edges.

    `months` is the largest block to use: 0 keeps to day cells (rows by day or week, which months do not
    align with), 1 to single months (rows by month), 8 any block. A partial
    month is its day cells, or the whole month less the day cells outside the period when those are fewer.
    """
    hi_day = _midnight(end)
    lo_day: datetime | None = None
    live: list[tuple[datetime, datetime]] = []
    if start is not None:
        lo_day = _midnight(start)
        if lo_day < start:
            lo_day += _DAY
        if lo_day >= hi_day:
            return Split([], [(start, end)])
        if start < lo_day:
            live.append((start, lo_day))
    if hi_day < end:
        live.append((hi_day, end))
    lo = lo_day.date() if lo_day is not None else None
    hi = hi_day.date()
    if not months:
        return Split([CellRange("d", lo, hi)], live)
    m_hi = _month_index(hi)
    if lo is None:
        cells = _blocks(None, m_hi, months)
    else:
        m_lo = _month_index(lo) + (0 if lo.day == 1 else 1)
        if m_lo > m_hi:  # inside one month
            return Split(_part_month(lo, hi), live)
        cells = _blocks(m_lo, m_hi, months)
        if lo.day != 1:
            cells += _part_month(lo, _month(m_lo))
    if hi.day != 1:
        cells += _part_month(_month(m_hi), hi)
    return Split(cells, live)
