"""Admin login throttling (issue #15): counters per address, login and known device; known devices.

Mirrored in storage/admin_tables.py. `admin_login_failures` stays as the log of checked failures.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64


def upgrade() -> None:
    op.create_table(
        "admin_login_throttle",
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(ID), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forget_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "subject", name="pk_admin_login_throttle"),
    )
    op.create_index("ix_admin_login_throttle_forget_at", "admin_login_throttle", ["forget_at"])
    op.create_table(
        "admin_devices",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.String(ID), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_admin_devices"),
    )
    op.create_index("ix_admin_devices_staff_id", "admin_devices", ["staff_id"])
    op.create_index("ix_admin_devices_expires_at", "admin_devices", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_admin_devices_expires_at", table_name="admin_devices")
    op.drop_index("ix_admin_devices_staff_id", table_name="admin_devices")
    op.drop_table("admin_devices")
    op.drop_index("ix_admin_login_throttle_forget_at", table_name="admin_login_throttle")
    op.drop_table("admin_login_throttle")
