"""A version per conversation state, so Redis's mirror of it is never older than a newer commit (issue #17).

Every save or clear of a conversation's state adds one to its row's `version` in the same statement, and the
row is kept when the state is cleared (its state becomes JSON null), so a chat's versions only grow. The
mirror (`storage.redis_state.RedisConversationStore`) writes a state with its version, and a write older than
what Redis holds is refused: a process slow to mirror a commit can no longer hide a newer state that another
process committed meanwhile. Only adds a column with a default: the old code runs on it unchanged.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | Sequence[str] | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("version")
