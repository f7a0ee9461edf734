"""The live report queries: every figure computed exactly from the rows, on SQLite and PostgreSQL.

The definitions are those of `ticket_core.reports.reference` (docs/reports.md); tests compare both on
random data. A report is a handful of grouped queries, each one pass over an indexed range:

* opened tickets and first response times, by `created_at` (index `ix_tickets_created_at`);
* resolved tickets with MTTR, SLA, FCR, CSAT and reopens, by `resolved_at` (`ix_tickets_resolved_at`),
  with breaches from a hashed `IN` over the alerts at the breach level;
* the backlog at the end (or, for time rows, at the start plus the opened and finished counts per bucket);
* KB interactions (`ix_interactions_kind_at`) and lost inbound messages (the partial index
  `ix_inbound_log_unanswered` over the messages nothing was queued in reply to).

Percentiles are `percentile_cont` on PostgreSQL and the same linear interpolation over
`row_number()` windows on SQLite. Time buckets are UTC days, ISO weeks and months, keyed by the ISO date
they start on. Nothing is loaded into Python but one small row per group. On PostgreSQL the total and the
rows come from one pass (GROUPING SETS). `storage.reports.SqlReportSource` uses these for short periods and
for filters the rollups (`storage.report_rollups`) do not cover.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from storage.report_groups import TOTAL, Group, Partial, request_groupings
from storage.sla_tables import sla_alerts
from storage.tables import clients, contacts, inbound_log, interactions, sites, staff, tickets
from ticket_core.enums import TicketStatus
from ticket_core.reports.buckets import bucket_key, time_buckets
from ticket_core.reports.model import GroupBy, ReportFilter
from ticket_core.reports.reference import (
    CLIENT_INBOUND_PREFIXES,
    KB_DEFLECTED_KIND,
    KB_REQUEST_KINDS,
    NO_KEY,
    RESOLVED_STATUSES,
)

PERCENTILES = (0.5, 0.9)
"""The percentiles reports give: the median and the 90th."""

NONE_KEY = literal_column("''", String)
"""The key of every row when nothing is grouped (PostgreSQL refuses to GROUP BY a constant)."""


NOT_RESOLVED = tuple(str(st) for st in TicketStatus if str(st) not in RESOLVED_STATUSES)
"""Every status but resolved and closed: open ones and cancelled."""

DIMENSION_COLUMNS: dict[GroupBy, Any] = {
    GroupBy.CATEGORY: tickets.c.category,
    GroupBy.CLIENT: tickets.c.client_id,
    GroupBy.SITE: tickets.c.site_id,
    GroupBy.ENGINEER: tickets.c.assignee_id,
}
"""The ticket column each dimension grouping keys its rows by (the engineer is the current assignee)."""


def empty_group(q: LiveQueries, *, time: bool) -> Group:
    group = Group()
    if q.kb_ok:
        group.kb = (0, 0)
    if time and q.lost_ok:
        group.lost = 0
    return group


class LiveQueries:
    """The queries of one report, run side by side on its connections (one on SQLite)."""

    def __init__(self, conns: list[AsyncConnection], flt: ReportFilter, breach_level: int) -> None:
        self.conns = conns
        self.conn = conns[0]
        self._free: asyncio.Queue[AsyncConnection] = asyncio.Queue()
        for conn in conns:
            self._free.put_nowait(conn)
        self.flt = flt
        self.breach_level = breach_level
        self.pg = conn.dialect.name == "postgresql"
        self.kb_ok = not flt.ticket_only
        self.lost_ok = self.kb_ok and flt.client_id is None

    # --- expressions
    def bucket(self, column: Any, group_by: GroupBy) -> ColumnElement[str]:
        """The bucket key (ISO date of the bucket's first day, UTC) of a timestamp column."""
        if self.pg:
            unit = {GroupBy.DAY: "day", GroupBy.WEEK: "week", GroupBy.MONTH: "month"}[group_by]
            # Grouped as a timestamp (cheap per row); the key is formatted in Python, once per group.
            return func.date_trunc(unit, column, "UTC")
        if group_by is GroupBy.DAY:
            return func.date(column)
        if group_by is GroupBy.WEEK:
            return func.date(column, "weekday 0", "-6 days")
        return func.strftime("%Y-%m-01", column)

    def seconds(self, later: Any, earlier: Any) -> ColumnElement[float]:
        """`later - earlier` in seconds, as a float."""
        if self.pg:
            # date_part gives a double directly; EXTRACT gives numeric (PostgreSQL 14+), much slower to sort.
            return func.date_part("epoch", later - earlier, type_=Float)
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0

    def ticket_key(self, group_by: GroupBy, stamp: Any) -> ColumnElement[str]:
        """The row key of a ticket for a grouping; `stamp` is the timestamp time buckets follow."""
        if group_by is GroupBy.NONE:
            return NONE_KEY
        if group_by.is_time:
            return self.bucket(stamp, group_by)
        return self.dimension_key(DIMENSION_COLUMNS[group_by])

    def dimension_key(self, column: Any) -> ColumnElement[str]:
        """A dimension's row key ("" where it is missing); on PostgreSQL in the "C" collation.

        Grouped rows are sorted by this key (ordered-set aggregates need sorted input); byte order sorts a
        million keys several times faster than the database's locale, and the rows are ordered in Python.
        """
        key = func.coalesce(column, NO_KEY)
        return key.collate("C") if self.pg else key

    def ticket_filters(self) -> list[ColumnElement[bool]]:
        """The filter's dimensions as conditions on `tickets`."""
        f = self.flt
        out: list[ColumnElement[bool]] = []
        if f.category is not None:
            out.append(tickets.c.category == f.category)
        if f.client_id is not None:
            out.append(tickets.c.client_id == f.client_id)
        if f.site_id is not None:
            out.append(tickets.c.site_id == f.site_id)
        if f.engineer_id is not None:
            out.append(tickets.c.assignee_id == f.engineer_id)
        return out

    @staticmethod
    def done_at() -> ColumnElement[datetime]:
        """When a ticket was finished (resolved/closed: resolved_at; cancelled: cancelled_at), else NULL."""
        return case(
            (tickets.c.status.in_(RESOLVED_STATUSES), tickets.c.resolved_at),
            (tickets.c.status == "cancelled", tickets.c.cancelled_at),
            else_=None,
        )

    async def prepare(self) -> None:
        """Give the report's read-only transaction room to sort in memory, and no JIT warm-up (PostgreSQL)."""
        if self.pg:
            for conn in self.conns:
                await conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
                await conn.exec_driver_sql("SET LOCAL jit = off")

    def _grouped(self, stmt: Any, key: ColumnElement[str]) -> Any:
        """Group by `key`; on PostgreSQL also the total in the same pass (GROUPING SETS, NULL key)."""
        if key is NONE_KEY:
            return stmt
        if self.pg:
            return stmt.group_by(func.grouping_sets(text("()"), key))
        return stmt.group_by(key)

    @staticmethod
    def _key(value: str | datetime | None, key: ColumnElement[str]) -> str | None:
        """The partial-results key of a result row (TOTAL for the ungrouped pass and the grouping-sets total)."""
        if key is NONE_KEY or value is None:
            return TOTAL
        if isinstance(value, datetime):  # a PostgreSQL time bucket
            return bucket_key(value.astimezone(UTC))
        return value

    def passes(self, group_by: GroupBy) -> list[GroupBy]:
        """Which groupings to query for the total and the rows: one pass on PostgreSQL, two on SQLite."""
        if group_by is GroupBy.NONE or self.pg:
            return [group_by]
        return [GroupBy.NONE, group_by]

    # --- queries
    async def _rows(self, stmt: Select[Any] | Any) -> Sequence[Any]:
        conn = await self._free.get()  # a connection no other query of this report is using
        try:
            return (await conn.execute(stmt)).all()
        finally:
            self._free.put_nowait(conn)

    async def percentiles(
        self, key: ColumnElement[str], value: ColumnElement[float], where: list[ColumnElement[bool]]
    ) -> dict[str | None, tuple[float | None, float | None]]:
        """Median and p90 of `value` per key over the rows matching `where` (SQLite path)."""
        inner = (
            select(
                key.label("k"),
                value.label("v"),
                func.row_number().over(partition_by=key, order_by=value).label("rn"),
                func.count().over(partition_by=key).label("n"),
            )
            .select_from(tickets)
            .where(*where)
            .subquery()
        )
        columns = []
        for p in PERCENTILES:
            pos = p * (inner.c.n - 1)
            low = cast(pos, Integer)
            frac = pos - low
            columns.append(
                func.sum(
                    case(
                        (inner.c.rn - 1 == low, inner.c.v * (1 - frac)),
                        (inner.c.rn - 1 == low + 1, inner.c.v * frac),
                        else_=0.0,
                    )
                )
            )
        stmt = select(inner.c.k, *columns).group_by(inner.c.k)
        return {self._key(r[0], key): (float(r[1]), float(r[2])) for r in await self._rows(stmt)}

    def pg_percentiles(self, value: ColumnElement[float], when: ColumnElement[bool] | None = None) -> Any:
        """percentile_cont of `value` at the median and p90, as one array column (PostgreSQL)."""
        fractions = ", ".join(str(p) for p in PERCENTILES)
        agg = func.percentile_cont(literal_column(f"ARRAY[{fractions}]::float8[]")).within_group(value)
        return agg.filter(when) if when is not None else agg

    async def opened(self, group_by: GroupBy, out: Partial) -> None:
        """Opened tickets and first response times per key."""
        key = self.ticket_key(group_by, tickets.c.created_at)
        where = [
            tickets.c.created_at >= self.flt.start,
            tickets.c.created_at < self.flt.end,
            *self.ticket_filters(),
        ]
        frt = self.seconds(tickets.c.first_response_at, tickets.c.created_at)
        has_frt = tickets.c.first_response_at.is_not(None)
        cols: list[Any] = [key.label("k"), func.count().label("n")]
        if self.pg:
            cols.append(self.pg_percentiles(frt, has_frt))
        for row in await self._rows(self._grouped(select(*cols).where(*where), key)):
            group = out.setdefault(self._key(row[0], key), Group())
            group.opened = int(row[1])
            if self.pg and row[2] is not None:
                group.frt = (float(row[2][0]), float(row[2][1]))
        if not self.pg:
            for k, pct in (await self.percentiles(key, frt, [*where, has_frt])).items():
                out.setdefault(k, Group()).frt = pct

    async def resolved(self, group_by: GroupBy, out: Partial) -> None:
        """Resolved tickets with MTTR, SLA breaches, FCR, reopens and ratings per key."""
        key = self.ticket_key(group_by, tickets.c.resolved_at)
        where = [
            tickets.c.status.in_(RESOLVED_STATUSES),
            tickets.c.resolved_at >= self.flt.start,
            tickets.c.resolved_at < self.flt.end,
            *self.ticket_filters(),
        ]
        # A hashed IN (one scan of the alerts) beats a join: PostgreSQL builds the set once per report.
        breach = tickets.c.id.in_(
            select(sla_alerts.c.ticket_id).where(sla_alerts.c.level >= self.breach_level)
        )
        mttr = self.seconds(tickets.c.resolved_at, tickets.c.created_at)
        one = literal(1)
        cols: list[Any] = [
            key.label("k"),
            func.count().label("n"),
            func.sum(case((breach, one), else_=0)),
            func.sum(case((and_(tickets.c.reopen_count == 0, tickets.c.on_hold_at.is_(None)), one), else_=0)),
            func.sum(case((tickets.c.reopen_count > 0, one), else_=0)),
            func.sum(tickets.c.rating),
            func.count(tickets.c.rating),
        ]
        if self.pg:
            cols.append(self.pg_percentiles(mttr))
        stmt = select(*cols).where(*where)
        for row in await self._rows(self._grouped(stmt, key)):
            group = out.setdefault(self._key(row[0], key), Group())
            group.resolved = int(row[1])
            group.breached = int(row[2] or 0)
            group.fcr = int(row[3] or 0)
            group.reopened = int(row[4] or 0)
            group.csat_sum = float(row[5] or 0)
            group.csat_count = int(row[6])
            if self.pg and row[7] is not None:
                group.mttr = (float(row[7][0]), float(row[7][1]))
        if not self.pg:
            for k, pct in (await self.percentiles(key, mttr, where)).items():
                out.setdefault(k, Group()).mttr = pct

    async def backlog_at(self, at: datetime, group_by: GroupBy) -> dict[str | None, int]:
        """Tickets open at the instant `at`, per key (a dimension, or one total under "")."""
        done = self.done_at()
        key = self.ticket_key(group_by, tickets.c.created_at)
        stmt = select(key, func.count()).where(
            tickets.c.created_at < at,
            or_(done.is_(None), done >= at),
            # The same set, said so that indexes find it (status, resolved_at): open or cancelled
            # tickets, and those resolved at or after `at` (or never stamped).
            or_(
                tickets.c.status.in_(NOT_RESOLVED),
                tickets.c.resolved_at >= at,
                tickets.c.resolved_at.is_(None),
            ),
            *self.ticket_filters(),
        )
        return {self._key(r[0], key): int(r[1]) for r in await self._rows(self._grouped(stmt, key))}

    async def finished(self, group_by: GroupBy) -> dict[str, int]:
        """Tickets finished (resolved, closed or cancelled) in the period, per time bucket."""
        done = self.done_at()
        key = self.bucket(done, group_by)
        stmt = (
            select(key, func.count())
            .where(
                done >= self.flt.start,
                done < self.flt.end,
                # The same set, said so that indexes find it: resolved in the period, or cancelled.
                or_(
                    and_(tickets.c.resolved_at >= self.flt.start, tickets.c.resolved_at < self.flt.end),
                    tickets.c.status == str(TicketStatus.CANCELLED),
                ),
                *self.ticket_filters(),
            )
            .group_by(key)
        )
        return {str(self._key(r[0], key)): int(r[1]) for r in await self._rows(stmt)}

    async def kb(self, group_by: GroupBy, out: Partial) -> None:
        """KB requests and deflections per key (time bucket or the contact's client)."""
        i = interactions
        if group_by is GroupBy.NONE:
            key: ColumnElement[str] = NONE_KEY
        elif group_by.is_time:
            key = self.bucket(i.c.at, group_by)
        else:
            key = self.dimension_key(contacts.c.client_id)
        pair = func.coalesce(i.c.contact_id, "") + "\x1f" + func.coalesce(i.c.query, "")
        if self.pg:
            pair = pair.collate("C")  # DISTINCT sorts the pairs: byte order, not the locale's
        where = [
            i.c.kind.in_([*KB_REQUEST_KINDS, KB_DEFLECTED_KIND]),
            i.c.at >= self.flt.start,
            i.c.at < self.flt.end,
        ]
        if self.flt.client_id is not None:
            where.append(contacts.c.client_id == self.flt.client_id)
        stmt = (
            select(
                key,
                func.count(func.distinct(case((i.c.kind.in_(KB_REQUEST_KINDS), pair)))),
                func.count(func.distinct(case((i.c.kind == KB_DEFLECTED_KIND, pair)))),
            )
            .select_from(i.outerjoin(contacts, contacts.c.id == i.c.contact_id))
            .where(*where)
        )
        for row in await self._rows(self._grouped(stmt, key)):
            out.setdefault(self._key(row[0], key), Group()).kb = (int(row[1]), int(row[2]))

    async def lost(self, group_by: GroupBy, out: Partial) -> None:
        """Client inbound messages with nothing queued in reply, per key (time bucket or one total)."""
        log = inbound_log
        key = NONE_KEY if group_by is GroupBy.NONE else self.bucket(log.c.at, group_by)
        # `answered` is set with the first reply queued (SqlOutbox, same transaction): the unanswered
        # messages are a small partial index (at, dedup_key), not an anti-join over every message.
        stmt = select(key, func.count()).where(
            not_(log.c.answered),
            log.c.at >= self.flt.start,
            log.c.at < self.flt.end,
            or_(*(log.c.dedup_key.startswith(p, autoescape=True) for p in CLIENT_INBOUND_PREFIXES)),
        )
        for row in await self._rows(self._grouped(stmt, key)):
            out.setdefault(self._key(row[0], key), Group()).lost = int(row[1])

    # --- assembly
    def close_groups(self, out: Partial, group_by: GroupBy) -> tuple[Group, dict[str, Group]]:
        """Split the total from the rows; request figures the query could follow but found none of are 0."""
        kb_by, lost_by = request_groupings(group_by)
        for k, group in out.items():
            if self.kb_ok and group.kb is None and (k is TOTAL or kb_by is group_by):
                group.kb = (0, 0)
            if self.lost_ok and group.lost is None and (k is TOTAL or lost_by is group_by):
                group.lost = 0
        total = out.pop(TOTAL)
        return total, {k: v for k, v in out.items() if k is not None}

    async def collect(self, group_by: GroupBy) -> tuple[Group, dict[str, Group]]:
        """The total and every row's partial results, keyed like the report rows.

        The queries are independent, so they run side by side (PostgreSQL: one connection each, one shared
        snapshot); only the backlog of time rows is put together afterwards.
        """
        out: Partial = {}
        kb_by, lost_by = request_groupings(group_by)
        backlog: dict[str | None, int] = {}
        finished: dict[str, int] = {}

        async def backlog_at(at: datetime, g: GroupBy) -> None:
            backlog.update(await self.backlog_at(at, g))

        async def finished_in(g: GroupBy) -> None:
            finished.update(await self.finished(g))

        jobs: list[Awaitable[None]] = []
        for g in self.passes(group_by):
            jobs += [self.opened(g, out), self.resolved(g, out)]
        if group_by.is_time:
            jobs += [backlog_at(self.flt.start, GroupBy.NONE), finished_in(group_by)]
        else:
            jobs += [backlog_at(self.flt.end, g) for g in self.passes(group_by)]
        if self.kb_ok:
            jobs += [self.kb(g, out) for g in self.passes(kb_by)]
        if self.lost_ok:
            jobs += [self.lost(g, out) for g in self.passes(lost_by)]
        await asyncio.gather(*jobs)

        total = out.setdefault(TOTAL, Group())
        if group_by.is_time:
            base = backlog.get(TOTAL, 0)
            for b in time_buckets(self.flt, group_by):
                group = out.setdefault(b.key, Group())
                base += group.opened - finished.get(b.key, 0)
                group.backlog = base
            total.backlog = base
        else:
            for k, n in backlog.items():
                out.setdefault(k, Group()).backlog = n
        return self.close_groups(out, group_by)

    async def labels(self, group_by: GroupBy, keys: list[str]) -> dict[str, str]:
        """Display names of dimension keys (client, site and engineer names; categories as they are)."""
        table = {GroupBy.CLIENT: clients, GroupBy.SITE: sites, GroupBy.ENGINEER: staff}.get(group_by)
        if table is None or not keys:
            return {}
        stmt = select(table.c.id, table.c.name).where(table.c.id.in_(keys))
        return {r[0]: r[1] for r in await self._rows(stmt)}
