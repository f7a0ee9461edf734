"""Store and fetch published SLA configurations (`storage.sla_config_tables`), on SQLite and PostgreSQL.

On PostgreSQL a trigger (migration 0027) sends `NOTIFY helpdesk_sla` when one is published, so running
processes switch at once; they also look for a newer version now and then (the safety net).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.sla_config_tables import sla_configs

SLA_CHANNEL = "helpdesk_sla"


@dataclass(frozen=True, slots=True)
class PublishedSlaConfig:
    """One published version: its number, when, the file it came from and the file's text."""

    version: int
    created_at: datetime
    source: str
    body: str


async def publish(db: AsyncEngine, body: str, source: str, at: datetime) -> int:
    """Add a version; return its number."""
    async with db.begin() as conn:
        result = await conn.execute(
            sla_configs.insert()
            .values(created_at=at, source=source[:300], body=body)
            .returning(sla_configs.c.version)
        )
        return int(result.scalar_one())


async def latest_version(db: AsyncEngine) -> int | None:
    """The newest version's number (None: nothing published); a cheap look for the poll."""
    async with db.connect() as conn:
        value = (await conn.execute(select(func.max(sla_configs.c.version)))).scalar_one_or_none()
    return int(value) if value is not None else None


async def fetch(db: AsyncEngine, version: int) -> PublishedSlaConfig | None:
    """One version with its text."""
    async with db.connect() as conn:
        row = (
            (await conn.execute(select(sla_configs).where(sla_configs.c.version == version)))
            .mappings()
            .first()
        )
    if row is None:
        return None
    return PublishedSlaConfig(row["version"], row["created_at"], row["source"], row["body"])
