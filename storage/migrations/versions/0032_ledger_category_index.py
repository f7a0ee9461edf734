"""An index on ledger rows by category and time, for an estimate's typical hours.

When paid work waits for the client's estimate, `SqlBillingStore.charged_hours` reads the hours charged on the
latest jobs of the ticket's category (their median is the estimate's expected time). Without this index that
read scanned the whole ledger (165,747 rows at `helpdesk bench billing`'s full size) inside the message's
transaction. Only adds an index: the old code runs on it unchanged.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | Sequence[str] | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ledger_entries_category_at", "ledger_entries", ["category", "at"])


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_category_at", table_name="ledger_entries")
