"""Maintenance plans that target registered units (issue #19): one unit, or every unit of a type at the site.

Mirrors storage/sla_tables.py.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("maintenance_plans") as batch:
        batch.add_column(sa.Column("unit_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("unit_type", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("maintenance_plans") as batch:
        batch.drop_column("unit_type")
        batch.drop_column("unit_id")
