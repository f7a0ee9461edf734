"""Web admin: staff logins, sessions and login throttling (issue #8).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64


def upgrade() -> None:
    op.create_table(
        "admin_logins",
        sa.Column("staff_id", sa.String(ID), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("staff_id", name="pk_admin_logins"),
    )
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.String(ID), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_admin_sessions"),
    )
    op.create_index("ix_admin_sessions_staff_id", "admin_sessions", ["staff_id"])
    op.create_index("ix_admin_sessions_expires_at", "admin_sessions", ["expires_at"])
    op.create_table(
        "admin_login_failures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("login", sa.String(ID), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_admin_login_failures"),
    )
    op.create_index("ix_admin_login_failures_ip_at", "admin_login_failures", ["ip", "at"])
    op.create_index("ix_admin_login_failures_login_at", "admin_login_failures", ["login", "at"])
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.String(ID), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_admin_audit"),
    )
    op.create_index("ix_admin_audit_at", "admin_audit", ["at"])
    op.create_index("ix_tickets_site_id_number", "tickets", ["site_id", "number"])
    op.create_index("ix_tickets_status_number", "tickets", ["status", "number"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # a trusted extension since PostgreSQL 13
    for column in ("title", "body"):
        op.create_index(
            f"ix_kb_articles_{column}_trgm",
            "kb_articles",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    op.drop_index("ix_kb_articles_body_trgm", table_name="kb_articles")
    op.drop_index("ix_kb_articles_title_trgm", table_name="kb_articles")
    op.drop_index("ix_tickets_status_number", table_name="tickets")
    op.drop_index("ix_tickets_site_id_number", table_name="tickets")
    op.drop_index("ix_admin_audit_at", table_name="admin_audit")
    op.drop_table("admin_audit")
    op.drop_index("ix_admin_login_failures_login_at", table_name="admin_login_failures")
    op.drop_index("ix_admin_login_failures_ip_at", table_name="admin_login_failures")
    op.drop_table("admin_login_failures")
    op.drop_index("ix_admin_sessions_expires_at", table_name="admin_sessions")
    op.drop_index("ix_admin_sessions_staff_id", table_name="admin_sessions")
    op.drop_table("admin_sessions")
    op.drop_table("admin_logins")
