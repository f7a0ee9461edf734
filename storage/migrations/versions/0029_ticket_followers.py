"""Ticket followers (issue #21): contacts of the ticket's client who hear about it besides its own contact, such
as a colleague who wrote on it by mail or follows it in the client portal. Mirrors storage/tables.py.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_followers",
        sa.Column("ticket_id", sa.String(64), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("contact_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", "contact_id", name="pk_ticket_followers"),
    )


def downgrade() -> None:
    op.drop_table("ticket_followers")
