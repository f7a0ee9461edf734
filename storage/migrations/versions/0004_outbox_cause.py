"""Outbox rows name the inbound message that caused them (tracing, lost-request reports, benchmarks).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("inbound_key", sa.String(200), nullable=True))
        batch.create_index("ix_outbox_inbound_key", ["inbound_key"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_inbound_key")
        batch.drop_column("inbound_key")
