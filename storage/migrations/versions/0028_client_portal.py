"""The client portal (issue #21): login links, their requests, sessions; contacts' portal scope; list indexes.

Mirrors storage/portal_tables.py and the contacts columns of storage/tables.py. Expands only.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("manager", sa.Boolean(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("site_id", sa.String(ID), nullable=True))
    op.create_table(
        "portal_links",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(ID), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_portal_links"),
    )
    op.create_index("ix_portal_links_contact_id", "portal_links", ["contact_id"])
    op.create_index("ix_portal_links_expires_at", "portal_links", ["expires_at"])
    op.create_table(
        "portal_link_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(ID), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_portal_link_requests"),
    )
    op.create_index("ix_portal_link_requests_ip_at", "portal_link_requests", ["ip", "at"])
    op.create_index("ix_portal_link_requests_contact_at", "portal_link_requests", ["contact_id", "at"])
    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.String(ID), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_portal_sessions"),
    )
    op.create_index("ix_portal_sessions_contact_id", "portal_sessions", ["contact_id"])
    op.create_index("ix_portal_sessions_expires_at", "portal_sessions", ["expires_at"])
    op.create_index("ix_tickets_client_id_number", "tickets", ["client_id", "number"])
    op.create_index("ix_tickets_contact_id_number", "tickets", ["contact_id", "number"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_tickets_description_trgm",
        "tickets",
        ["description"],
        postgresql_using="gin",
        postgresql_ops={"description": "gin_trgm_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_description_trgm", table_name="tickets")
    op.drop_index("ix_tickets_contact_id_number", table_name="tickets")
    op.drop_index("ix_tickets_client_id_number", table_name="tickets")
    op.drop_table("portal_sessions")
    op.drop_table("portal_link_requests")
    op.drop_table("portal_links")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("site_id")
        batch.drop_column("manager")
