"""Equipment tables (issue #19): types, units at sites, tickets on units, parts replaced, monitoring alerts.

Mirrored by the hand-written migration `0016_equipment.py`.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from storage.db import metadata
from storage.types import UtcDateTime

ID = 64
PK = BigInteger().with_variant(Integer, "sqlite")

equipment_types = Table(
    "equipment_types",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name_ru", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("category", String(64), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("resolve_on_recovery", Boolean, nullable=False, server_default="0"),
)

equipment_units = Table(
    "equipment_units",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("client_id", String(ID), ForeignKey("clients.id"), nullable=False),
    Column("site_id", String(ID), ForeignKey("sites.id"), nullable=False, index=True),
    Column("type_id", String(32), ForeignKey("equipment_types.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("model", String(300), nullable=True),
    Column("serial", String(100), nullable=True),
    Column("inventory_no", String(100), nullable=True),
    Column("installed_on", Date, nullable=True),
    Column("warranty_until", Date, nullable=True),
    Column("location", String(300), nullable=True),
    Column("contact", String(300), nullable=True),
    Column("photos", JSON, nullable=False),
    Column("fields", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # One inventory number per client (NULLs do not collide on either backend).
    Index("ix_equipment_units_client_id_inventory_no", "client_id", "inventory_no", unique=True),
)

equipment_tickets = Table(
    "equipment_tickets",
    metadata,
    Column("ticket_id", String(ID), ForeignKey("tickets.id"), primary_key=True),
    Column("unit_id", String(ID), ForeignKey("equipment_units.id"), nullable=False, index=True),
    Column("visitor", Boolean, nullable=False, server_default="0"),
)

equipment_parts = Table(
    "equipment_parts",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("unit_id", String(ID), ForeignKey("equipment_units.id"), nullable=False, index=True),
    Column("ticket_id", String(ID), nullable=False),
    Column("part", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("recorded_by", String(ID), nullable=False),
)

alert_threads = Table(
    "alert_threads",
    metadata,
    # One row per fingerprint: the insert that wins opens the ticket, every other alert finds the row.
    Column("fingerprint", String(200), primary_key=True),
    Column("ticket_id", String(ID), nullable=False, index=True),
    Column("unit_id", String(ID), nullable=True),
    Column("state", String(16), nullable=False),
    Column("alerts", Integer, nullable=False),
    Column("first_at", UtcDateTime(), nullable=False),
    Column("last_at", UtcDateTime(), nullable=False),
    Column("summary", Text, nullable=True),
)

EQUIPMENT_TABLES = (equipment_types, equipment_units, equipment_tickets, equipment_parts, alert_threads)
