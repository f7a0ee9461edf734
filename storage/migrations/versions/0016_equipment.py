"""Equipment at every site (issue #19): types, units, tickets on units, parts replaced, monitoring alerts.

Mirrored in storage/equipment_tables.py.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64


def _at(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "equipment_types",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name_ru", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("resolve_on_recovery", sa.Boolean(), nullable=False, server_default="0"),
    )
    op.create_table(
        "equipment_units",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("client_id", sa.String(ID), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("site_id", sa.String(ID), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("type_id", sa.String(32), sa.ForeignKey("equipment_types.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("model", sa.String(300), nullable=True),
        sa.Column("serial", sa.String(100), nullable=True),
        sa.Column("inventory_no", sa.String(100), nullable=True),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("warranty_until", sa.Date(), nullable=True),
        sa.Column("location", sa.String(300), nullable=True),
        sa.Column("contact", sa.String(300), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _at("created_at"),
        _at("updated_at"),
    )
    op.create_index("ix_equipment_units_site_id", "equipment_units", ["site_id"])
    op.create_index("ix_equipment_units_type_id", "equipment_units", ["type_id"])
    op.create_index(
        "ix_equipment_units_client_id_inventory_no",
        "equipment_units",
        ["client_id", "inventory_no"],
        unique=True,
    )
    op.create_table(
        "equipment_tickets",
        sa.Column("ticket_id", sa.String(ID), sa.ForeignKey("tickets.id"), primary_key=True),
        sa.Column("unit_id", sa.String(ID), sa.ForeignKey("equipment_units.id"), nullable=False),
        sa.Column("visitor", sa.Boolean(), nullable=False, server_default="0"),
    )
    op.create_index("ix_equipment_tickets_unit_id", "equipment_tickets", ["unit_id"])
    op.create_table(
        "equipment_parts",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("unit_id", sa.String(ID), sa.ForeignKey("equipment_units.id"), nullable=False),
        sa.Column("ticket_id", sa.String(ID), nullable=False),
        sa.Column("part", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _at("recorded_at"),
        sa.Column("recorded_by", sa.String(ID), nullable=False),
    )
    op.create_index("ix_equipment_parts_unit_id", "equipment_parts", ["unit_id"])
    op.create_table(
        "alert_threads",
        sa.Column("fingerprint", sa.String(200), primary_key=True),
        sa.Column("ticket_id", sa.String(ID), nullable=False),
        sa.Column("unit_id", sa.String(ID), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("alerts", sa.Integer(), nullable=False),
        _at("first_at"),
        _at("last_at"),
        sa.Column("summary", sa.Text(), nullable=True),
    )
    op.create_index("ix_alert_threads_ticket_id", "alert_threads", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_alert_threads_ticket_id", table_name="alert_threads")
    op.drop_table("alert_threads")
    op.drop_index("ix_equipment_parts_unit_id", table_name="equipment_parts")
    op.drop_table("equipment_parts")
    op.drop_index("ix_equipment_tickets_unit_id", table_name="equipment_tickets")
    op.drop_table("equipment_tickets")
    op.drop_index("ix_equipment_units_client_id_inventory_no", table_name="equipment_units")
    op.drop_index("ix_equipment_units_type_id", table_name="equipment_units")
    op.drop_index("ix_equipment_units_site_id", table_name="equipment_units")
    op.drop_table("equipment_units")
    op.drop_table("equipment_types")
