"""SLA runtime tables: durable timers, sent alerts (once per level, with who acknowledged) and maintenance plans.

Mirrored by the hand-written migration `0003_sla.py`. Policies are configuration (`SLA_CONFIG_FILE`), not rows.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from storage.db import metadata
from storage.tables import ID
from storage.types import UtcDateTime

sla_timers = Table(
    "sla_timers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(ID), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("due_at", UtcDateTime(), nullable=True),
    Column("level", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("claimed_by", String(ID), nullable=True),
    Column("claimed_until", UtcDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("ticket_id", "kind", name="uq_sla_timers_ticket_kind"),
    # The tick reads only pending rows by due time: this index keeps it fast with 100k open tickets.
    Index("ix_sla_timers_status_due", "status", "due_at"),
)

sla_alerts = Table(
    "sla_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(ID), ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("level", Integer, nullable=False),
    Column("notify", String(32), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=False),
    Column("acknowledged_by", String(ID), nullable=True),
    Column("acknowledged_at", UtcDateTime(), nullable=True),
    UniqueConstraint("ticket_id", "kind", "level", name="uq_sla_alerts_ticket_kind_level"),
)

maintenance_plans = Table(
    "maintenance_plans",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("client_id", String(ID), ForeignKey("clients.id"), nullable=False, index=True),
    Column("site_id", String(ID), nullable=True),
    Column("equipment", String(200), nullable=True),
    Column("schedule", String(200), nullable=False),
    Column("category", String(64), nullable=False),
    Column("priority", String(4), nullable=False),
    Column("description", Text, nullable=False),
    Column("checklist", JSON, nullable=False),
    Column("lead_time_min", Integer, nullable=False, server_default="1440"),
    Column("next_run_at", UtcDateTime(), nullable=False),
    Column("opens_at", UtcDateTime(), nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("last_ticket_id", String(ID), nullable=True),
    Column("unit_id", String(ID), nullable=True),  # one registered unit (issue #19)
    Column("unit_type", String(32), nullable=True),  # every unit of a type at the site
    Index("ix_maintenance_plans_active_opens", "active", "opens_at"),
)

SLA_TABLES = (sla_timers, sla_alerts, maintenance_plans)
