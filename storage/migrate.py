"""Run the Alembic migrations from code (`helpdesk migrate` calls `upgrade`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from storage.db import is_sqlite

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config for `url` that works without alembic.ini (e.g. from an installed package)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    return config


def ensure_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite database file (e.g. ./var) so that connecting does not fail."""
    if not is_sqlite(url):
        return
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision`.

    Alembic's command API is synchronous and env.py runs its own event loop, so it runs in a thread.
    """
    ensure_sqlite_folder(url)
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


async def downgrade(url: str, revision: str = "base") -> None:
    """Take the database at `url` down to `revision` ("base" drops every table)."""
    ensure_sqlite_folder(url)
    await asyncio.to_thread(command.downgrade, alembic_config(url), revision)


async def current(url: str) -> str | None:
    """Return the revision the database at `url` is at, or None when it was never migrated."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.ext.asyncio import create_async_engine

    ensure_sqlite_folder(url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()
