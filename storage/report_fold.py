"""Folding the report deltas into the cells (the worker, every second): see `storage.report_tables`.

Ticket and SLA-alert writes only add delta rows (`storage.report_rollup_sql`); a fold sums a batch of them
into the cells and deletes them in one transaction, so a report, which reads cells and deltas together, sees
each change exactly once before, during and after it.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.report_rollup_sql import CELL_DELTAS, DIST_DELTAS, FOLD_LOCK, fold_sql

FOLD_BATCH = 50_000
"""Delta rows of each kind folded per transaction (a ticket change adds a few dozen)."""


async def fold_report_deltas(db: AsyncEngine, batch: int = FOLD_BATCH) -> int:
    """Fold up to `batch` delta rows of each kind into the cells; return how many cells were written (0
    when there was nothing to fold, or another process is folding right now)."""
    dialect = db.dialect.name
    async with db.begin() as conn:
        if dialect == "postgresql":
            if not (await conn.execute(text(f"SELECT pg_try_advisory_xact_lock({FOLD_LOCK})"))).scalar():
                return 0
            folded = 0
            for statement in fold_sql(dialect, batch):
                folded += (await conn.execute(text(statement))).rowcount or 0
            return folded
        upto = {}
        for name, table in (("cells_upto", CELL_DELTAS), ("dists_upto", DIST_DELTAS)):
            found = await conn.execute(
                text(f"SELECT max(id) FROM (SELECT id FROM {table} ORDER BY id LIMIT {batch})")
            )
            upto[name] = found.scalar() or 0
        if not any(upto.values()):
            return 0
        folded = 0
        for statement in fold_sql(dialect, batch):
            result = await conn.execute(text(statement), upto)
            if statement.startswith("INSERT"):
                folded += result.rowcount or 0
        return folded
