"""Databases for benchmarks: a scratch PostgreSQL database made fresh and migrated for one run."""

from __future__ import annotations

import os

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import make_engine
from storage.migrate import upgrade

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/helpdesk_bench"


def own_database(url: str) -> str:
    """`url` with a database of this run's own (`<name>_<pid>`).

    Two benchmarks started at once on one server would otherwise drop and re-seed each other's database
    in the middle of a run, and count each other's messages as lost.
    """
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{os.getpid()}").render_as_string(hide_password=False)


async def drop_pg_database(url: str) -> None:
    """Drop the database named in `url` (a scratch database a run made for itself); nothing if it is gone."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await conn.close()


def bench_pg_url(url: str | None = None) -> str:
    """The benchmark database URL: the argument, HELPDESK_BENCH_PG_URL, or a local default."""
    return url or os.environ.get("HELPDESK_BENCH_PG_URL") or DEFAULT_PG


async def fresh_pg_database(url: str) -> str:
    """Drop and re-create the database named in `url`, migrate it, and return `url`.

    Raises:
        RuntimeError: the URL is not PostgreSQL, or the server cannot be reached.
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise RuntimeError(f"this benchmark needs PostgreSQL, not {parsed.drivername}")
    name = parsed.database
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        conn = await asyncpg.connect(admin)
    except (OSError, asyncpg.PostgresError) as exc:
        raise RuntimeError(f"cannot reach PostgreSQL at {parsed.host}:{parsed.port or 5432}: {exc}") from exc
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    await upgrade(url)
    return url


async def db_stats(url: str) -> tuple[int, int] | None:
    """Connections PostgreSQL has opened to the run's database so far, and transactions it has ended there
    (None on SQLite)."""
    if not url.startswith("postgresql"):
        return None
    db = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with db.connect() as conn:
            await conn.execute(text("SELECT pg_stat_force_next_flush()"))
            found = await conn.execute(
                text(
                    "SELECT sessions, xact_commit + xact_rollback FROM pg_stat_database"
                    " WHERE datname = current_database()"
                )
            )
            sessions, xacts = found.one()
            return int(sessions), int(xacts)
    finally:
        await db.dispose()
