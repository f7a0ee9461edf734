"""Published SLA configurations (issue #17): a changed SLA file reaches every process without a restart.

`sla_configs` is mirrored in storage/sla_config_tables.py. On PostgreSQL a statement-level trigger sends
`NOTIFY helpdesk_sla` when a version is published (rare writes, so a trigger is fine here; see 0024); every
process LISTENs and switches at once (and looks for a newer one every 30 s regardless).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sla_configs",
        sa.Column("version", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_sla_configs"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION helpdesk_sla_notify() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN PERFORM pg_notify('helpdesk_sla', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER sla_configs_notify AFTER INSERT ON sla_configs"
        " FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_sla_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sla_configs_notify ON sla_configs")
        op.execute("DROP FUNCTION IF EXISTS helpdesk_sla_notify()")
    op.drop_table("sla_configs")
