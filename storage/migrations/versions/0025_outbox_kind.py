"""Outbox rows name their kind: "chat" (an `Outbound` for a channel) or "webhook" (a signed delivery to a
REST API subscriber), so the delivery loop never takes one for the other (issue #16).

Expand only (docs/scaling.md): the column is nullable and nothing is backfilled. NULL is a row queued by a
release before this one, whose kind follows from its channel ("webhook" for webhooks), as it always did.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("kind")
