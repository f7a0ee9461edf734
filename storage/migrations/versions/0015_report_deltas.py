"""No hot rows on the ticket write path (issue #17): rollup deltas, and ticket numbers from a sequence.

Creates `report_cell_deltas` and `report_dist_deltas` (storage/report_tables.py) and re-creates the rollup
triggers of storage/report_rollup_sql.py to insert into them: concurrent ticket writes of one day, category
or client no longer wait on the same cell rows (or deadlock over them, upserting them in different orders).
The worker folds the deltas into the cells (storage/report_fold.py); reports read both.

On PostgreSQL, ticket numbers come from the sequence `ticket_numbers` (storage/tables.py), started after the
counter row, which SQLite keeps using.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.report_triggers import DIRECT, Targets, create_triggers, drop_triggers

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64
COUNTS = ("opened", "resolved", "fcr", "reopened", "rated", "rating_sum", "finished")


def _id() -> sa.Column[int]:
    return sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )


def _cell() -> list[sa.Column[object]]:
    return [
        sa.Column("grain", sa.String(1), nullable=False),
        sa.Column("dim", sa.String(16), nullable=False),
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "report_cell_deltas",
        _id(),
        *_cell(),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("key", sa.String(ID), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in COUNTS),
    )
    op.create_index("ix_report_cell_deltas_cell", "report_cell_deltas", ["grain", "dim", "start", "key"])
    op.create_table(
        "report_dist_deltas",
        _id(),
        *_cell(),
        sa.Column("metric", sa.String(8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("key", sa.String(ID), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_report_dist_deltas_cell", "report_dist_deltas", ["grain", "dim", "metric", "start", "key"]
    )
    for statement in [*drop_triggers(dialect), *create_triggers(dialect, Targets())]:
        op.execute(statement)
    if dialect == "postgresql":
        op.execute("CREATE SEQUENCE ticket_numbers START WITH 1001")
        op.execute("SELECT setval('ticket_numbers', value) FROM counters WHERE name = 'ticket'")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "UPDATE counters SET value = GREATEST(value, (SELECT CASE WHEN is_called THEN last_value "
            "ELSE last_value - 1 END FROM ticket_numbers)) WHERE name = 'ticket'"
        )
        op.execute("DROP SEQUENCE ticket_numbers")
    for statement in [*drop_triggers(dialect), *create_triggers(dialect, DIRECT)]:
        op.execute(statement)
    # Deltas not folded yet go into the cells before their tables go.
    for deltas, cells, key, counts in (
        ("report_cell_deltas", "report_cells", "grain, dim, start, key", COUNTS),
        ("report_dist_deltas", "report_dists", "grain, dim, metric, start, key, bucket", ("n",)),
    ):
        sums = ", ".join(f"sum({c})" for c in counts)
        updates = ", ".join(f"{c} = {cells}.{c} + excluded.{c}" for c in counts)
        op.execute(
            f"INSERT INTO {cells} ({key}, {', '.join(counts)}) SELECT {key}, {sums} FROM {deltas} "
            f"WHERE true GROUP BY {key} ON CONFLICT ({key}) DO UPDATE SET {updates}"
        )
    op.drop_table("report_dist_deltas")
    op.drop_table("report_cell_deltas")
