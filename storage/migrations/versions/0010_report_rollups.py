"""Reports: daily and monthly rollups kept by triggers, and KB pair links, back-filled (issue #8).

Creates `report_cells` and `report_dists` (storage/report_tables.py), `interactions.prev_at` with the
expression index its trigger looks pairs up with, a partial index on `tickets.cancelled_at` (the live
edges of a report), the triggers (and, on PostgreSQL, their functions) of
storage/report_rollup_sql.py, and back-fills the rollups and links from the existing rows in the same
transaction, so reports are right from the first one after `helpdesk migrate`.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.report_rollup_sql import backfill
from storage.report_triggers import DIRECT, create_triggers, drop_triggers, kb_pair_index

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64


def _cell_key() -> list[sa.Column[str]]:
    return [
        sa.Column("grain", sa.String(1), nullable=False),
        sa.Column("dim", sa.String(16), nullable=False),
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    counts = ("opened", "resolved", "fcr", "reopened", "rated", "rating_sum", "finished")
    op.create_table(
        "report_cells",
        *_cell_key(),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("key", sa.String(ID), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in counts),
        sa.PrimaryKeyConstraint("grain", "dim", "start", "key", name="pk_report_cells"),
    )
    op.create_table(
        "report_dists",
        *_cell_key(),
        sa.Column("metric", sa.String(8), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("key", sa.String(ID), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "dim", "metric", "start", "key", "bucket", name="pk_report_dists"),
    )
    with op.batch_alter_table("interactions") as batch:
        batch.add_column(sa.Column("prev_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(kb_pair_index(dialect))
    op.create_index(
        "ix_tickets_cancelled_at",
        "tickets",
        ["cancelled_at"],
        postgresql_where=sa.text("cancelled_at IS NOT NULL"),
        sqlite_where=sa.text("cancelled_at IS NOT NULL"),
    )
    # The triggers of that time wrote to the cells directly (0015 moved them to the deltas).
    for statement in [*create_triggers(dialect, DIRECT), *backfill(dialect, deltas=())]:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in drop_triggers(dialect):
        op.execute(statement)
    op.execute("DROP INDEX IF EXISTS ix_interactions_kb_pair")
    op.drop_index("ix_tickets_cancelled_at", table_name="tickets")
    with op.batch_alter_table("interactions") as batch:
        batch.drop_column("prev_at")
    op.drop_table("report_dists")
    op.drop_table("report_cells")
