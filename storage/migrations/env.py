"""Alembic environment: async engine; URL from the config, `-x url=...` or DATABASE_URL."""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig
from pathlib import Path
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import is_sqlite
from storage.migrate import ensure_sqlite_folder
from storage.schema import metadata  # every table module's tables

config = context.config
target_metadata = metadata

if config.config_file_name is not None:
    # Only the `alembic` command line has an ini file; code that calls storage.migrate keeps its logging.
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    """The database: given by the caller (`storage.migrate`), `-x url=...`, or DATABASE_URL; with the bare
    `alembic` command and none of these, the app's default SQLite file beside alembic.ini. (Storage reads
    no app settings: nothing below `helpdesk` imports it.)"""
    url = (
        config.attributes.get("url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("DATABASE_URL")
    )
    if not url and config.config_file_name is not None:
        url = f"sqlite+aiosqlite:///{Path(config.config_file_name).resolve().parent / 'var' / 'helpdesk.db'}"
    if not url:
        raise RuntimeError("no database to migrate: set DATABASE_URL or pass -x url=...")
    return str(url)


def _configure(connection: Connection | None, url: str) -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "render_as_batch": is_sqlite(url),
        "compare_type": True,
        **({"connection": connection} if connection is not None else {"url": url, "literal_binds": True}),
    }


def _run_sync(connection: Connection) -> None:
    context.configure(**_configure(connection, str(connection.engine.url)))
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    ensure_sqlite_folder(url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of touching a database (`alembic upgrade --sql`)."""
    context.configure(**_configure(None, _url()))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a connection given by the caller, or on a new async engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection)
    else:
        asyncio.run(_run_async(_url()))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
