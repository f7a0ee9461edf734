"""Reports: an `answered` flag on inbound messages, so lost requests are an index range (issue #8).

`inbound_log.answered` is set in the transaction that queues the first outbox row carrying the message's
dedup key (`storage.repositories.dialogue.SqlOutbox`); the partial index holds only the unanswered
messages, which are the few that the lost-requests figure counts (storage/reports.py). Existing rows are
back-filled from the outbox. Mirrored in storage/tables.py.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_log") as batch:
        batch.add_column(sa.Column("answered", sa.Boolean(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE inbound_log SET answered = TRUE"
        " WHERE EXISTS (SELECT 1 FROM outbox WHERE outbox.inbound_key = inbound_log.dedup_key)"
    )
    op.create_index(
        "ix_inbound_log_unanswered",
        "inbound_log",
        ["at", "dedup_key"],
        postgresql_where=sa.text("NOT answered"),
        sqlite_where=sa.text("NOT answered"),
    )


def downgrade() -> None:
    op.drop_index("ix_inbound_log_unanswered", table_name="inbound_log")
    with op.batch_alter_table("inbound_log") as batch:
        batch.drop_column("answered")
