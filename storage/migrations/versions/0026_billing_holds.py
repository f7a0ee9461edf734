"""Jobs held before routing (issue #20): the client's estimate approval and a supervisor's go-ahead for a
client in debt, one row per ticket, round and kind; and the billing notices already sent ("contract ends in
30 days", the weekly debtors list), one row each, so a notice goes out once whichever process sends it.

Mirrors storage/billing_tables.py.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "billing_holds",
        sa.Column("ticket_id", sa.String(64), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("asked_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id", "round", "kind", name="pk_billing_holds"),
    )
    op.create_table(
        "billing_notices",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("billing_notices")
    op.drop_table("billing_holds")
