"""Ledger indexes for one client's reads (issue #20, bench billing): a month's rows and the balance.

`(client_id, at)` serves an act (one client's month); before it the month's rows of every client were
scanned through `(at, client_id)`. `(client_id, account, amount_minor)` replaces `(client_id, account)` so
a balance is summed from the index alone. Mirrors storage/billing_tables.py.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ledger_entries_client_at", "ledger_entries", ["client_id", "at"])
    op.drop_index("ix_ledger_entries_client_account", table_name="ledger_entries")
    op.create_index(
        "ix_ledger_entries_client_account", "ledger_entries", ["client_id", "account", "amount_minor"]
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_entries_client_account", table_name="ledger_entries")
    op.create_index("ix_ledger_entries_client_account", "ledger_entries", ["client_id", "account"])
    op.drop_index("ix_ledger_entries_client_at", table_name="ledger_entries")
