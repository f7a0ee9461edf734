"""Helpers shared by the SQL repositories: dialect-aware inserts and JSON-safe values."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_name(session: AsyncSession) -> str:
    """Name of the database dialect the session talks to ("sqlite" or "postgresql")."""
    return session.get_bind().dialect.name


def upsert_insert(session: AsyncSession, table: Table) -> PgInsert | SqliteInsert:
    """Return the dialect's INSERT, which supports ON CONFLICT on both backends."""
    name = dialect_name(session)
    if name == "postgresql":
        return pg_insert(table)
    if name == "sqlite":
        return sqlite_insert(table)
    raise RuntimeError(f"unsupported database {name!r}: use sqlite+aiosqlite or postgresql+asyncpg")


def json_safe(value: Any) -> Any:
    """Convert a value into plain JSON types (timestamps become ISO 8601 strings).

    Event payloads are built by `dataclasses.asdict`, which leaves datetimes, enums and tuples in place;
    the JSON column would refuse the datetimes.
    """
    if isinstance(value, Enum):
        return json_safe(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(json_safe(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_safe(dataclasses.asdict(value))
    return str(value)
