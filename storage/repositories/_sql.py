"""Helpers shared by the SQL repositories: dialect-aware inserts and JSON-safe values."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Executable, Table
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
    return dialect_insert(dialect_name(session), table)


def dialect_insert(dialect: str, table: Table) -> PgInsert | SqliteInsert:
    """The INSERT of dialect `dialect` ("postgresql" or "sqlite"), which supports ON CONFLICT."""
    if dialect == "postgresql":
        return pg_insert(table)
    if dialect == "sqlite":
        return sqlite_insert(table)
    raise RuntimeError(f"unsupported database {dialect!r}: use sqlite+aiosqlite or postgresql+asyncpg")


def statement(session: AsyncSession, build: Callable[[str], Executable]) -> Executable:
    """The statement `build(dialect)` makes, built once per dialect and then reused.

    For the hot path: a statement written with `bindparam` and built once is compiled once and its cache
    key is computed once, where building it anew for each call costs more than running it on SQLite.
    """
    name = dialect_name(session)
    key = (build, name)
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = build(name)
    return found


_BUILT: dict[tuple[Callable[[str], Executable], str], Executable] = {}


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
