"""SLA runtime: durable timers, alerts sent once per level, maintenance plans.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64


def upgrade() -> None:
    op.create_table(
        "sla_timers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(ID), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(ID), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_sla_timers_ticket_id_tickets", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sla_timers"),
        sa.UniqueConstraint("ticket_id", "kind", name="uq_sla_timers_ticket_kind"),
    )
    op.create_index("ix_sla_timers_status_due", "sla_timers", ["status", "due_at"])
    op.create_table(
        "sla_alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.String(ID), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("notify", sa.String(32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.String(ID), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_sla_alerts_ticket_id_tickets", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sla_alerts"),
        sa.UniqueConstraint("ticket_id", "kind", "level", name="uq_sla_alerts_ticket_kind_level"),
    )
    op.create_table(
        "maintenance_plans",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("client_id", sa.String(ID), nullable=False),
        sa.Column("site_id", sa.String(ID), nullable=True),
        sa.Column("equipment", sa.String(200), nullable=True),
        sa.Column("schedule", sa.String(200), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("priority", sa.String(4), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("lead_time_min", sa.Integer(), nullable=False, server_default="1440"),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default="1"),
        sa.Column("last_ticket_id", sa.String(ID), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name="fk_maintenance_plans_client_id_clients"),
        sa.PrimaryKeyConstraint("id", name="pk_maintenance_plans"),
    )
    op.create_index("ix_maintenance_plans_client_id", "maintenance_plans", ["client_id"])
    op.create_index("ix_maintenance_plans_active_opens", "maintenance_plans", ["active", "opens_at"])


def downgrade() -> None:
    op.drop_index("ix_maintenance_plans_active_opens", table_name="maintenance_plans")
    op.drop_index("ix_maintenance_plans_client_id", table_name="maintenance_plans")
    op.drop_table("maintenance_plans")
    op.drop_table("sla_alerts")
    op.drop_index("ix_sla_timers_status_due", table_name="sla_timers")
    op.drop_table("sla_timers")
