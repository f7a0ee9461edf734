"""Engineer profile: service regions, working hours and time zone; ticket level for hand-over (issue #6).

Also sites' service region, and each ticket's thread in the staff group (forum topic or reply thread).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("region", sa.String(32), nullable=True))
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("regions", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("working_hours", sa.String(400), nullable=True))
        batch.add_column(
            sa.Column("timezone", sa.String(64), server_default="Europe/Moscow", nullable=False)
        )
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("min_level", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "ticket_threads",
        sa.Column("ticket_id", sa.String(ID), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("bot", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.String(ID), nullable=False),
        sa.Column("forum", sa.Boolean(), nullable=False),
        sa.Column("thread_id", sa.String(ID), nullable=True),
        sa.Column("root_message_id", sa.String(ID), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_ticket_threads_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket_threads"),
    )
    op.create_index(
        "ix_ticket_threads_chat_thread", "ticket_threads", ["channel", "bot", "chat_id", "thread_id"]
    )
    op.create_index(
        "ix_ticket_threads_chat_root", "ticket_threads", ["channel", "bot", "chat_id", "root_message_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_threads_chat_root", table_name="ticket_threads")
    op.drop_index("ix_ticket_threads_chat_thread", table_name="ticket_threads")
    op.drop_table("ticket_threads")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("min_level")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("timezone")
        batch.drop_column("working_hours")
        batch.drop_column("regions")
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("region")
