"""Reports from the rollups: whole UTC days and months from the cells, the partial edge days from the rows.

A period `[start, end)` splits into its whole calendar months (the fewest aligned month blocks), the
remaining whole UTC days (day cells, or the month less the days outside it when that is fewer) and at most
two partial days at its edges, read live from `tickets` with the same definitions. Counts (opened,
resolved, breached, FCR, reopens, ratings, finished) are exact: they add up. Percentiles come from the
log-bucket histograms (`ticket_core.reports.histogram`, within 4.3 % or 30 s): the cells' and the edge
tickets' buckets are added up in SQL, and a window over each row's histogram picks the buckets that
hold the order statistics the interpolation needs, so a few rows per group come back.

The backlog at an instant is everything opened before it minus everything finished before it (cells of
all history plus the edge). KB requests are exact too: a period's distinct (contact, question) pairs are
its interactions whose previous one of the same pair (`interactions.prev_at`, kept by a trigger) is before
the period's (or the row's) start, or missing. Lost requests are the live index range of `LiveQueries`.

Cells exist per single dimension, so the rollups answer reports with no filter, or one filter with rows
by time or by that same dimension (`rollup_dimension`); `storage.reports.SqlReportSource` sends the rest,
and short periods, to the exact live queries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from storage.report_groups import TOTAL, Group, Partial, request_groupings
from storage.report_live import DIMENSION_COLUMNS, NONE_KEY, PERCENTILES, LiveQueries
from storage.report_periods import DIMENSION_OF, CellRange, Split, split_period
from storage.report_rollup_sql import MONTH_BLOCKS, Dialect, bucket_sql
from storage.report_tables import report_cell_deltas, report_cells, report_dist_deltas, report_dists
from storage.sla_tables import sla_alerts
from storage.tables import contacts, interactions, tickets
from storage.types import UtcDateTime
from ticket_core.reports.buckets import bucket_key, time_buckets
from ticket_core.reports.histogram import bucket_value
from ticket_core.reports.model import GroupBy, ReportFilter
from ticket_core.reports.reference import KB_DEFLECTED_KIND, KB_REQUEST_KINDS, RESOLVED_STATUSES


def _with_deltas(cells: Any, deltas: Any) -> Any:
    """The cells and the deltas not folded into them yet, as one relation with the cells' columns: a sum over
    it is current (`storage.report_fold`). PostgreSQL and SQLite push a query's conditions into both arms,
    so each is read through its own index."""
    names = [c.name for c in cells.c]
    return union_all(select(*cells.c), select(*(deltas.c[n] for n in names))).subquery(f"{cells.name}_now")


CELLS_NOW = _with_deltas(report_cells, report_cell_deltas)
DISTS_NOW = _with_deltas(report_dists, report_dist_deltas)


def _order_statistic(picks: list[tuple[int, int, int]], rank: int, total: int) -> float:
    """The value read for the `rank`-th smallest value, from (bucket, values below it, values in it)."""
    rank = min(rank, total - 1)
    for bucket, below, n in picks:
        if below <= rank < below + n:
            return bucket_value(bucket)
    raise ValueError(f"no bucket holds rank {rank}")


def picked_percentiles(picks: list[tuple[int, int, int]], total: int) -> tuple[float | None, float | None]:
    """The median and p90 from the buckets that hold their order statistics (see the module docstring)."""
    if total <= 0:
        return (None, None)
    out = []
    for p in PERCENTILES:
        pos = p * (total - 1)
        low = int(pos)
        a = _order_statistic(picks, low, total)
        b = _order_statistic(picks, low + 1, total)
        out.append(a + (pos - low) * (b - a))
    return (out[0], out[1])


class RollupQueries(LiveQueries):
    """The queries of one report answered from the rollups (see the module docstring).

    Args:
        conns: the report's connections (one on SQLite).
        flt: the report's filter.
        breach_level: the lowest alert level that means a breach.
        dim: the cells' dimension for the total and time rows (`rollup_dimension`).
        key: the cells' key in `dim` (the filter's value), or None for every key.
    """

    def __init__(
        self, conns: list[Any], flt: ReportFilter, breach_level: int, dim: str, key: str | None
    ) -> None:
        super().__init__(conns, flt, breach_level)
        self.dim = dim
        self.key = key
        self.sql = Dialect(self.conn.dialect.name)

    async def prepare(self) -> None:
        """As the live queries, and no parallel workers: each query here reads a few hundred thousand cells
        at most, and on a small machine the workers' start-up and merge cost more than they save."""
        await super().prepare()
        if self.pg:
            for conn in self.conns:
                await conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")

    # --- keys
    def _dim(self, group_by: GroupBy) -> str:
        return DIMENSION_OF.get(group_by, self.dim)

    def _cell_key(self, table: Any, group_by: GroupBy) -> ColumnElement[Any]:
        """The row key of a cell: "" for the total, its bucket's first day, or its dimension key."""
        if group_by is GroupBy.NONE:
            return NONE_KEY
        if not group_by.is_time:
            return table.c.key  # type: ignore[no-any-return]
        if self.pg:
            unit = {GroupBy.DAY: "day", GroupBy.WEEK: "week", GroupBy.MONTH: "month"}[group_by]
            return cast(func.date_trunc(unit, cast(table.c.start, DateTime)), Date)
        return self.bucket(table.c.start, group_by)

    def _live_key(self, group_by: GroupBy, stamp: Any) -> ColumnElement[Any]:
        """The row key of a live ticket, of the same type as `_cell_key` (a date, not a timestamp)."""
        if group_by is GroupBy.NONE:
            return NONE_KEY
        if group_by.is_time:
            if self.pg:
                unit = {GroupBy.DAY: "day", GroupBy.WEEK: "week", GroupBy.MONTH: "month"}[group_by]
                return cast(func.date_trunc(unit, func.timezone("UTC", stamp)), Date)
            return self.bucket(stamp, group_by)
        return func.coalesce(DIMENSION_COLUMNS[group_by], "")

    @staticmethod
    def _norm(value: Any, group_by: GroupBy) -> str | None:
        if group_by is GroupBy.NONE or value is None:
            return TOTAL
        if isinstance(value, datetime):
            return bucket_key(value.astimezone(UTC))
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    # --- conditions
    @staticmethod
    def _in_range(table: Any, r: CellRange) -> ColumnElement[bool]:
        return and_(
            table.c.grain == r.grain,
            table.c.start >= r.lo if r.lo is not None else true(),
            table.c.start < r.hi,
        )

    def _cells_where(self, table: Any, group_by: GroupBy, ranges: list[CellRange]) -> list[Any]:
        spans = [self._in_range(table, r) for r in ranges]
        where = [table.c.dim == self._dim(group_by), or_(*spans) if spans else false()]
        if self.key is not None:
            where.append(table.c.key == self.key)
        return where

    def _signed(self, table: Any, ranges: list[CellRange], column: Any) -> ColumnElement[Any]:
        """`column`, negated in the cells a range takes away (a whole month less the days outside)."""
        minus = [self._in_range(table, r) for r in ranges if r.sign < 0]
        if not minus:
            return column  # type: ignore[no-any-return]
        return case((or_(*minus), -column), else_=column)

    @staticmethod
    def _live_where(column: Any, live: list[tuple[datetime, datetime]]) -> ColumnElement[bool]:
        return or_(*(and_(column >= a, column < b) for a, b in live))

    # --- queries
    async def period_size(self) -> int:
        """Tickets opened in the period's whole days, from the cells (what choosing a path costs)."""
        spans = split_period(self.flt.start, self.flt.end, months=MONTH_BLOCKS[-1])
        c = CELLS_NOW
        stmt = select(func.coalesce(func.sum(self._signed(c, spans.cells, c.c.opened)), 0)).where(
            *self._cells_where(c, GroupBy.NONE, spans.cells)
        )
        return int((await self._rows(stmt))[0][0])

    def _counts_stmt(self, group_by: GroupBy, spans: Split) -> Any:
        zero = literal_column("0", Integer)
        one = literal_column("1", Integer)
        c, d, t = CELLS_NOW, DISTS_NOW, tickets
        parts: list[Any] = [
            select(
                self._cell_key(c, group_by).label("k"),
                *(
                    self._signed(c, spans.cells, c.c[name]).label(name)
                    for name in ("opened", "resolved", "fcr", "reopened", "rated", "rating_sum", "finished")
                ),
                zero.label("breached"),
            ).where(*self._cells_where(c, group_by, spans.cells)),
            select(self._cell_key(d, group_by), *([zero] * 7), self._signed(d, spans.cells, d.c.n)).where(
                d.c.metric == "alert",
                d.c.bucket >= self.breach_level,
                *self._cells_where(d, group_by, spans.cells),
            ),
        ]
        if spans.live:
            filters = self.ticket_filters()
            resolved = t.c.status.in_(RESOLVED_STATUSES)
            breach = exists().where(sla_alerts.c.ticket_id == t.c.id, sla_alerts.c.level >= self.breach_level)

            def flag(cond: Any) -> Any:
                return case((cond, one), else_=zero)

            parts += [
                select(self._live_key(group_by, t.c.created_at), one, *([zero] * 7)).where(
                    self._live_where(t.c.created_at, spans.live), *filters
                ),
                select(
                    self._live_key(group_by, t.c.resolved_at),
                    zero,
                    one,
                    flag(and_(t.c.reopen_count == 0, t.c.on_hold_at.is_(None))),
                    flag(t.c.reopen_count > 0),
                    flag(t.c.rating.is_not(None)),
                    func.coalesce(t.c.rating, zero),
                    zero,
                    flag(breach),
                ).where(resolved, self._live_where(t.c.resolved_at, spans.live), *filters),
                # finished: resolved in the edges, or cancelled in them (partial index on cancelled_at)
                select(self._live_key(group_by, t.c.resolved_at), *([zero] * 6), one, zero).where(
                    resolved, self._live_where(t.c.resolved_at, spans.live), *filters
                ),
                select(self._live_key(group_by, t.c.cancelled_at), *([zero] * 6), one, zero).where(
                    t.c.status == "cancelled", self._live_where(t.c.cancelled_at, spans.live), *filters
                ),
            ]
        u = union_all(*parts).subquery()
        sums = [func.sum(col) for col in list(u.c)[1:]]
        return select(u.c.k, *sums).group_by(u.c.k)

    async def counts(self, group_by: GroupBy, spans: Split) -> dict[str | None, list[int]]:
        """Per row key: opened, resolved, fcr, reopened, rated, rating sum, finished, breached."""
        rows = await self._rows(self._counts_stmt(group_by, spans))
        return {self._norm(r[0], group_by): [int(v or 0) for v in r[1:]] for r in rows}

    def _dists_stmt(self, group_by: GroupBy, spans: Split) -> Any:
        d, t = DISTS_NOW, tickets
        parts: list[Any] = [
            select(
                self._cell_key(d, group_by).label("k"),
                d.c.metric,
                d.c.bucket,
                self._signed(d, spans.cells, d.c.n).label("n"),
            ).where(d.c.metric.in_(("frt", "mttr")), *self._cells_where(d, group_by, spans.cells))
        ]
        if spans.live:
            filters = self.ticket_filters()
            frt = bucket_sql(self.sql.seconds("tickets.first_response_at", "tickets.created_at"))
            mttr = bucket_sql(self.sql.seconds("tickets.resolved_at", "tickets.created_at"))
            one = literal_column("1", Integer)
            parts += [
                select(
                    self._live_key(group_by, t.c.created_at),
                    literal_column("'frt'", String),
                    literal_column(frt, Integer),
                    one,
                ).where(
                    self._live_where(t.c.created_at, spans.live), t.c.first_response_at.is_not(None), *filters
                ),
                select(
                    self._live_key(group_by, t.c.resolved_at),
                    literal_column("'mttr'", String),
                    literal_column(mttr, Integer),
                    one,
                ).where(
                    t.c.status.in_(RESOLVED_STATUSES), self._live_where(t.c.resolved_at, spans.live), *filters
                ),
            ]
        u = union_all(*parts).subquery()
        n = func.sum(u.c.n)
        h = (
            select(u.c.k, u.c.metric, u.c.bucket, n.label("n"))
            .group_by(u.c.k, u.c.metric, u.c.bucket)
            .having(n > 0)
            .subquery()
        )
        group = (h.c.k, h.c.metric)
        w = select(
            h.c.k,
            h.c.metric,
            h.c.bucket,
            h.c.n,
            func.sum(h.c.n).over(partition_by=group, order_by=h.c.bucket).label("upto"),
            func.sum(h.c.n).over(partition_by=group).label("total"),
        ).subquery()
        below = w.c.upto - w.c.n
        holds = []
        for p in PERCENTILES:
            # in floating point, as `picked_percentiles` computes the same ranks
            rank = func.floor(literal_column(repr(p), Float) * cast(w.c.total - 1, Float))
            for r in (rank, rank + 1):
                holds.append(and_(below <= r, r < w.c.upto))
        return select(w.c.k, w.c.metric, w.c.bucket, below, w.c.n, w.c.total).where(or_(*holds))

    async def percentiles_of(
        self, group_by: GroupBy, spans: Split
    ) -> dict[tuple[str | None, str], tuple[float | None, float | None]]:
        """Median and p90 of first response and resolve times per (row key, metric), from the histograms."""
        picks: dict[tuple[str | None, str], list[tuple[int, int, int]]] = {}
        totals: dict[tuple[str | None, str], int] = {}
        for k, metric, bucket, below, n, total in await self._rows(self._dists_stmt(group_by, spans)):
            key = (self._norm(k, group_by), str(metric))
            picks.setdefault(key, []).append((int(bucket), int(below), int(n)))
            totals[key] = int(total)
        return {key: picked_percentiles(sorted(p), totals[key]) for key, p in picks.items()}

    async def kb_pairs(self, group_by: GroupBy, out: Partial) -> None:
        """KB requests and deflections per row key: interactions whose pair is new since the row's start."""
        i = interactions
        if group_by is GroupBy.NONE:
            key: ColumnElement[Any] = NONE_KEY
            since: Any = self.flt.start
        elif group_by.is_time:
            key = self.bucket(i.c.at, group_by)
            since = (func.greatest if self.pg else func.max)(key, literal(self.flt.start, UtcDateTime()))
        else:
            key = func.coalesce(contacts.c.client_id, "")
            since = self.flt.start
        fresh = or_(i.c.prev_at.is_(None), i.c.prev_at < since)
        one, zero = literal_column("1", Integer), literal_column("0", Integer)
        asked = func.sum(case((and_(i.c.kind.in_(KB_REQUEST_KINDS), fresh), one), else_=zero))
        helped = func.sum(case((and_(i.c.kind == KB_DEFLECTED_KIND, fresh), one), else_=zero))
        where = [
            i.c.kind.in_([*KB_REQUEST_KINDS, KB_DEFLECTED_KIND]),
            i.c.at >= self.flt.start,
            i.c.at < self.flt.end,
        ]
        source: Any = i
        if group_by is GroupBy.CLIENT or self.flt.client_id is not None:
            source = i.outerjoin(contacts, contacts.c.id == i.c.contact_id)
            if self.flt.client_id is not None:
                where.append(contacts.c.client_id == self.flt.client_id)
        stmt = select(key, asked, helped).select_from(source).where(*where)
        if key is not NONE_KEY:
            stmt = stmt.group_by(key)
        for row in await self._rows(stmt):
            k = self._norm(row[0], group_by)
            out.setdefault(k, Group()).kb = (int(row[1] or 0), int(row[2] or 0))

    # --- assembly
    async def collect(self, group_by: GroupBy) -> tuple[Group, dict[str, Group]]:
        """The total and every row's partial results, keyed like the report rows (the queries side by side)."""
        months = {GroupBy.DAY: 0, GroupBy.WEEK: 0, GroupBy.MONTH: 1}.get(group_by, MONTH_BLOCKS[-1])
        period = split_period(self.flt.start, self.flt.end, months=months)
        passes = [GroupBy.NONE] if group_by is GroupBy.NONE else [GroupBy.NONE, group_by]
        out: Partial = {}
        counted: dict[GroupBy, dict[str | None, list[int]]] = {}
        pct: dict[GroupBy, dict[tuple[str | None, str], tuple[float | None, float | None]]] = {}
        history: dict[GroupBy, dict[str | None, list[int]]] = {}

        async def count(g: GroupBy) -> None:
            counted[g] = await self.counts(g, period)

        async def percentiles(g: GroupBy) -> None:
            pct[g] = await self.percentiles_of(g, period)

        async def backlog(g: GroupBy, at: datetime) -> None:
            history[g] = await self.counts(g, split_period(None, at, months=MONTH_BLOCKS[-1]))

        jobs: list[Awaitable[None]] = []
        for g in passes:
            jobs += [count(g), percentiles(g)]
        if group_by.is_time:
            jobs.append(backlog(GroupBy.NONE, self.flt.start))
        else:
            jobs += [backlog(g, self.flt.end) for g in passes]
        kb_by, lost_by = request_groupings(group_by)
        kb_passes = [GroupBy.NONE] if kb_by is GroupBy.NONE else [GroupBy.NONE, kb_by]
        lost_passes = [GroupBy.NONE] if lost_by is GroupBy.NONE else [GroupBy.NONE, lost_by]
        if self.kb_ok:
            jobs += [self.kb_pairs(g, out) for g in kb_passes]
        if self.lost_ok:
            jobs += [self.lost(g, out) for g in lost_passes]
        await asyncio.gather(*jobs)

        for g in passes:
            for k, (opened, resolved, fcr, reopened, rated, rating_sum, _fin, breached) in counted[g].items():
                group = out.setdefault(k, Group())
                group.opened, group.resolved, group.fcr, group.reopened = opened, resolved, fcr, reopened
                group.csat_count, group.csat_sum, group.breached = rated, float(rating_sum), breached
            for (k, metric), value in pct[g].items():
                group = out.setdefault(k, Group())
                if metric == "frt":
                    group.frt = value
                else:
                    group.mttr = value
        total = out.setdefault(TOTAL, Group())
        if group_by.is_time:
            base = sum(v[0] - v[6] for v in history[GroupBy.NONE].values())
            rows = counted[group_by]
            for b in time_buckets(self.flt, group_by):
                opened_finished = rows.get(b.key)
                if opened_finished is not None:
                    base += opened_finished[0] - opened_finished[6]
                out.setdefault(b.key, Group()).backlog = base
            total.backlog = base
        else:
            for g in passes:
                for k, v in history[g].items():
                    out.setdefault(k, Group()).backlog = v[0] - v[6]
        return self.close_groups(out, group_by)
