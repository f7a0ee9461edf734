"""Engine, metadata and session factory shared by every table module."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine

from storage import sqlite_inline
from storage.text_match import register_sqlite_functions

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

SQLITE_BUSY_TIMEOUT_S = 30
"""How long a SQLite statement waits for another connection's lock before failing."""

PING_AFTER_IDLE_S = 10.0
"""A PostgreSQL connection idle for longer is pinged before use (see `_ping_when_idle`)."""

_IDLE_SINCE = "helpdesk_idle_since"


def is_sqlite(url: str) -> bool:
    """Tell whether a database URL points at SQLite."""
    return url.startswith("sqlite")


def sqlite_file(url: str) -> Path | None:
    """The file of a plain SQLite file URL; None for in-memory databases and URLs with options."""
    if not is_sqlite(url):
        return None
    parsed = make_url(url)
    name = parsed.database
    if not name or name == ":memory:" or name.startswith("file:") or parsed.query:
        return None
    return Path(name)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine with the settings each backend needs.

    SQLite gets WAL mode, a busy timeout and foreign keys, and a file database runs its statements on the
    event loop's thread (`storage.sqlite_inline`); PostgreSQL a pool whose idle connections are
    pinged before use.
    """
    if is_sqlite(url):
        path = sqlite_file(url)
        inline = path is not None and "async_creator" not in kwargs
        if inline:
            # Statements run on the loop's thread; only lock waits go to a thread (storage.sqlite_inline).
            kwargs["async_creator"] = sqlite_inline.connector(str(path), SQLITE_BUSY_TIMEOUT_S)
            engine = create_async_engine(url, **kwargs)
        else:
            engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            register_sqlite_functions(dbapi_conn)  # searches fold Cyrillic too (storage.text_match)
            if inline:
                # A checkpoint inside a commit would copy and sync the WAL on the loop's thread; the app
                # checkpoints from a worker thread instead (storage.sqlite_checkpoint).
                cur.execute("PRAGMA wal_autocheckpoint=0")
            if not inline:  # an inline connection keeps 0 and waits for locks on a thread instead
                cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
            cur.close()

        return engine
    # Connections beyond pool_size are closed when given back; under load that meant a new connection (and
    # fresh prepared statements) for many turns, so most of the 30 stay pooled.
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    ping_idle = not kwargs.get("pool_pre_ping", False)
    engine = create_async_engine(url, **kwargs)
    if ping_idle:
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection before use when it has been idle for PING_AFTER_IDLE_S, not on every checkout.

    `pool_pre_ping` costs a round trip per unit of work. A connection handed back moments ago is alive
    unless the server restarted in between; then the first statement fails, SQLAlchemy throws the whole
    pool away and the next unit connects afresh. A connection that sat idle (overnight, across a restart)
    is pinged, and replaced when the ping fails.
    """

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            dbapi_conn.ping()
        except Exception as exc:
            raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    """Return a session factory that keeps objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(conn: AsyncConnection) -> None:
    """One round trip (`SELECT 1`); raises what the driver raises when the database does not answer."""
    await conn.execute(text("SELECT 1"))


async def extension_available(conn: AsyncConnection, name: str) -> bool:
    """Whether PostgreSQL's server can create the extension `name` (SQLite needs none: True)."""
    if conn.dialect.name != "postgresql":
        return True
    query = text("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = :name)")
    return bool(await conn.scalar(query, {"name": name}))
