"""Report rollups: ticket counts and duration histograms per UTC day and month block, per report dimension.

Kept by database triggers in the transaction of every ticket and SLA-alert change
(`storage.report_rollup_sql`), back-filled by migration `0010_report_rollups.py`, which mirrors these
tables; read by `storage.report_rollups`. docs/reports.md (Speed) describes them.

A cell is (grain, start, dim, key): `grain` "d" (the UTC day starting `start`) or "1", "2", "4", "8" (the
block of that many calendar months starting `start`, aligned: `storage.report_rollup_sql.MONTH_BLOCKS`); `dim` one of `storage.report_rollup_sql.DIMS` ("all" with key "", "category", "client",
"site", "engineer"; a missing site or engineer has key ""). Counts may pass through zero and stay as rows.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, Integer, PrimaryKeyConstraint, String, Table

from storage.db import metadata
from storage.tables import ID

report_cells = Table(
    "report_cells",
    metadata,
    Column("grain", String(1), nullable=False),
    Column("dim", String(16), nullable=False),
    Column("start", Date(), nullable=False),
    Column("key", String(ID), nullable=False),
    # tickets created in the cell's period
    Column("opened", Integer, nullable=False, server_default="0"),
    # tickets resolved (status resolved/closed) with `resolved_at` in the period, and of those: never
    # reopened nor held (fcr), reopened, rated, and the sum of their ratings
    Column("resolved", Integer, nullable=False, server_default="0"),
    Column("fcr", Integer, nullable=False, server_default="0"),
    Column("reopened", Integer, nullable=False, server_default="0"),
    Column("rated", Integer, nullable=False, server_default="0"),
    Column("rating_sum", Integer, nullable=False, server_default="0"),
    # tickets finished (resolved/closed at `resolved_at`, cancelled at `cancelled_at`) in the period
    Column("finished", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("grain", "dim", "start", "key", name="pk_report_cells"),
)

report_dists = Table(
    "report_dists",
    metadata,
    Column("grain", String(1), nullable=False),
    Column("dim", String(16), nullable=False),
    # "frt": first response times of the opened tickets, "mttr": times to resolve of the resolved ones
    # (bucket: ticket_core.reports.histogram.bucket_of); "alert": the resolved tickets by their highest
    # SLA alert level (bucket: the level), so any configured breach level can be counted
    Column("metric", String(8), nullable=False),
    Column("start", Date(), nullable=False),
    Column("key", String(ID), nullable=False),
    Column("bucket", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("grain", "dim", "metric", "start", "key", "bucket", name="pk_report_dists"),
)

# What the triggers add, as rows of their own: a ticket write only inserts, so concurrent writers never wait
# on (or deadlock over) the shared cells of today, its category or its client. The worker folds the deltas
# into the cells (`storage.report_fold`); reports read cells and deltas together, so they are current.
_DELTA_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite's rowid alias is an INTEGER key

report_cell_deltas = Table(
    "report_cell_deltas",
    metadata,
    Column("id", _DELTA_ID, primary_key=True, autoincrement=True),
    *(
        Column(c.name, c.type, nullable=False)
        for c in report_cells.c
        if c.name in ("grain", "dim", "start", "key")
    ),
    *(
        Column(c.name, Integer, nullable=False, server_default="0")
        for c in report_cells.c
        if c.name not in ("grain", "dim", "start", "key")
    ),
    Index("ix_report_cell_deltas_cell", "grain", "dim", "start", "key"),
)

report_dist_deltas = Table(
    "report_dist_deltas",
    metadata,
    Column("id", _DELTA_ID, primary_key=True, autoincrement=True),
    *(Column(c.name, c.type, nullable=False) for c in report_dists.c),
    Index("ix_report_dist_deltas_cell", "grain", "dim", "metric", "start", "key"),
)

REPORT_TABLES = (report_cells, report_dists)
