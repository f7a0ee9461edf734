"""`SqlReportSource`: the report port on SQLite and PostgreSQL, from the rollups or exactly from the rows.

The definitions are those of `ticket_core.reports.reference` (docs/reports.md); tests compare both paths
with it on random data. A report over many tickets reads the rollups (`storage.report_rollups`: whole days
and months from cells kept by triggers, the partial edge days live; counts exact, percentiles from
log-bucket histograms within 4.3 % or 30 s, `ticket_core.reports.histogram`). A report whose whole days
hold at most `exact_limit` opened tickets, or whose filters the per-dimension cells cannot answer, runs the
exact live queries (`storage.report_live`). On PostgreSQL the independent queries run side by side on a few
connections that share one snapshot.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from storage.db import make_engine
from storage.report_live import LiveQueries, empty_group
from storage.report_periods import rollup_dimension
from storage.report_rollups import RollupQueries
from ticket_core.reports.buckets import time_buckets
from ticket_core.reports.model import GroupBy, Report, ReportFilter, ReportRow
from ticket_core.reports.reference import NO_KEY
from ticket_core.sla.escalation import EscalationRule
from ticket_core.utc import utcnow

PG_CONNECTIONS = 3
"""Connections one report uses on PostgreSQL, so its independent queries run side by side."""

DEFAULT_BREACH_LEVEL = 1
"""The escalation level of a breach in the default ladder (share 1.0 of the target)."""

EXACT_LIMIT = 20_000
"""Up to this many tickets opened in a period's whole days, a report is computed exactly from the rows.

The live queries sort every duration for the percentiles; at this size that takes a few tens of
milliseconds, and small help desks keep exact figures. Above it the rollups answer.
"""


def breach_level(ladder: Iterable[EscalationRule]) -> int:
    """The lowest level of an escalation ladder that means a breach (share of the target >= 1)."""
    levels = [rule.level for rule in ladder if rule.share >= 1.0]
    return min(levels) if levels else DEFAULT_BREACH_LEVEL


class SqlReportSource:
    """Implements `ticket_core.reports.ReportSource` on an engine (SQLite or PostgreSQL).

    Args:
        engine: where the tickets are.
        breach_level: the lowest escalation level that means a breach (the ladder's rule with share 1.0).
        clock: returns the `generated_at` instant.
        exact_limit: reports with more tickets than this opened in their whole days read the rollups.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        breach_level: int = DEFAULT_BREACH_LEVEL,
        clock: Callable[[], datetime] = utcnow,
        exact_limit: int = EXACT_LIMIT,
    ) -> None:
        self.engine = engine
        self.breach_level = breach_level
        self.clock = clock
        self.exact_limit = exact_limit

    async def report(self, flt: ReportFilter, group_by: GroupBy) -> Report:
        """Return the report for `flt` split by `group_by` (the total and one row per group)."""
        group_by = GroupBy(group_by)
        engine = self._read_engine()
        try:
            return await self._report(engine, flt, group_by)
        finally:
            if engine is not self.engine:
                await engine.dispose()

    def _read_engine(self) -> AsyncEngine:
        """The engine to read with: on a SQLite file a private one, so reading never takes the write lock.

        Units of work start SQLite transactions with BEGIN IMMEDIATE (`storage.sqlite_tx`) on the shared
        engine; `/report` runs inside a turn that already holds that lock, so a report on the same engine
        would wait for itself. A plain (deferred) connection reads the WAL snapshot beside the writer.
        """
        url = self.engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return self.engine
        return make_engine(url.render_as_string(hide_password=False), poolclass=NullPool)

    async def _report(self, engine: AsyncEngine, flt: ReportFilter, group_by: GroupBy) -> Report:
        async with contextlib.AsyncExitStack() as stack:
            conns = [await stack.enter_async_context(engine.connect())]
            if conns[0].dialect.name == "postgresql":
                conns += [
                    await stack.enter_async_context(engine.connect()) for _ in range(PG_CONNECTIONS - 1)
                ]
                await _share_snapshot(conns)
            q = await self._queries(conns, flt, group_by)
            await q.prepare()
            total, groups = await q.collect(group_by)
            rows: list[ReportRow] = []
            if group_by.is_time:
                for b in time_buckets(flt, group_by):
                    rows.append(
                        ReportRow(b.key, b.label, groups.get(b.key, empty_group(q, time=True)).figures())
                    )
            elif group_by is not GroupBy.NONE:
                labels = await q.labels(group_by, [k for k in groups if k != NO_KEY])
                for key in sorted(groups):
                    fig = groups[key].figures()
                    if (
                        fig.tickets_opened
                        or fig.tickets_resolved
                        or fig.backlog
                        or fig.kb_requests
                        or fig.kb_deflected
                    ):
                        rows.append(ReportRow(key, labels.get(key, key or "-"), fig))
            for conn in conns:
                await conn.rollback()
        return Report(flt, group_by, total.figures(), rows, self.clock())

    async def _queries(
        self, conns: list[AsyncConnection], flt: ReportFilter, group_by: GroupBy
    ) -> LiveQueries:
        """The rollup queries when they can answer and the period is large, else the exact live ones."""
        dim = rollup_dimension(flt, group_by)
        if dim is not None:
            rollup = RollupQueries(conns, flt, self.breach_level, *dim)
            if await rollup.period_size() > self.exact_limit:
                return rollup
        return LiveQueries(conns, flt, self.breach_level)


async def _share_snapshot(conns: list[AsyncConnection]) -> None:
    """Make every connection read the first one's snapshot, so parallel queries see one database state."""
    first, rest = conns[0], conns[1:]
    await first.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    snapshot = (await first.exec_driver_sql("SELECT pg_export_snapshot()")).scalar_one()
    for conn in rest:
        await conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        await conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
