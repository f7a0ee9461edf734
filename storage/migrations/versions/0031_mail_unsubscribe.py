"""Unsubscribing from mail notifications (issue #21): `channel_accounts.muted` marks an account (a mail address)
whose person turned notifications off, by a mail's List-Unsubscribe link or a mail saying "unsubscribe"; the
portal turns them on again. Only adds a column with a default: the old code reads and writes around it.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | Sequence[str] | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channel_accounts") as batch:
        batch.add_column(sa.Column("muted", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("channel_accounts") as batch:
        batch.drop_column("muted")
