"""Store and fetch published NLU models (`storage.nlu_tables`), on SQLite and PostgreSQL alike.

On PostgreSQL a trigger (migration 0019) sends `NOTIFY helpdesk_nlu` when one is published, so running
processes load it at once; they also look for a newer version now and then (the safety net).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.nlu_tables import nlu_models

NLU_CHANNEL = "helpdesk_nlu"


@dataclass(frozen=True, slots=True)
class PublishedModel:
    """One published version: its number, when, the archive's hash, the model's meta and the archive."""

    version: int
    created_at: datetime
    sha256: str
    meta: dict[str, Any]
    archive: bytes


async def publish(db: AsyncEngine, archive: bytes, meta: dict[str, Any], at: datetime) -> int:
    """Add a version; return its number."""
    digest = hashlib.sha256(archive).hexdigest()
    async with db.begin() as conn:
        result = await conn.execute(
            nlu_models.insert()
            .values(created_at=at, sha256=digest, meta=meta, archive=archive)
            .returning(nlu_models.c.version)
        )
        return int(result.scalar_one())


async def latest_version(db: AsyncEngine) -> int | None:
    """The newest version's number (None: nothing published); a cheap look for the poll."""
    async with db.connect() as conn:
        value = (await conn.execute(select(func.max(nlu_models.c.version)))).scalar_one_or_none()
    return int(value) if value is not None else None


async def fetch(db: AsyncEngine, version: int) -> PublishedModel | None:
    """One version with its archive."""
    async with db.connect() as conn:
        row = (
            (await conn.execute(select(nlu_models).where(nlu_models.c.version == version))).mappings().first()
        )
    if row is None:
        return None
    return PublishedModel(
        row["version"], row["created_at"], row["sha256"], dict(row["meta"]), bytes(row["archive"])
    )
