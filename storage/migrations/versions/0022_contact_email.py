"""Contacts' mail address (issue #21, email): a mail from it is that contact's, as a phone is in WhatsApp.

Kept lower-cased, looked up on every mail from an address not yet linked. Mirrors storage/tables.py.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
    op.create_index("ix_contacts_email", "contacts", ["email"])


def downgrade() -> None:
    op.drop_index("ix_contacts_email", table_name="contacts")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("email")
