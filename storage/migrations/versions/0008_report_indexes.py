"""Reports: indexes that keep report queries range scans on a million tickets (issue #8).

Reports group tickets by `created_at` (existing index) and `resolved_at`, and inbound messages by `at`;
see storage/reports.py. Mirrored in storage/tables.py.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_resolved_at", "tickets", ["resolved_at"])
    op.create_index("ix_inbound_log_at", "inbound_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_log_at", table_name="inbound_log")
    op.drop_index("ix_tickets_resolved_at", table_name="tickets")
