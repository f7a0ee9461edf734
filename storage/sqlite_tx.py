"""Make SQLite write transactions queue instead of failing with "database is locked".

SQLAlchemy's documented recipe for pysqlite/aiosqlite: switch off the driver's own deferred BEGIN and emit
`BEGIN IMMEDIATE` from the "begin" event, so the write lock is taken up front and concurrent writers wait on
the busy timeout rather than failing when a read lock cannot be upgraded.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_MARK = "_helpdesk_begin_immediate"


def _driver_autocommit(dbapi_conn: Any) -> None:
    # None hands transaction control to us; the driver would otherwise BEGIN (deferred) on its own.
    if dbapi_conn.isolation_level is not None:
        dbapi_conn.isolation_level = None


def install_begin_immediate(bind: AsyncEngine | AsyncConnection | Engine) -> bool:
    """Install the BEGIN IMMEDIATE recipe on a SQLite engine once; return whether it applies.

    Safe to call repeatedly and on PostgreSQL engines (which are left alone).
    """
    engine: Engine
    if isinstance(bind, AsyncConnection):
        engine = bind.engine.sync_engine
    elif isinstance(bind, AsyncEngine):
        engine = bind.sync_engine
    else:
        engine = bind
    if engine.dialect.name != "sqlite":
        return False
    if getattr(engine, _MARK, False):
        return True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        _driver_autocommit(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Connections pooled before the recipe was installed still have the driver's BEGIN switched on.
        _driver_autocommit(conn.connection.dbapi_connection)
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    setattr(engine, _MARK, True)
    return True


_WRITER_LOCKS: dict[tuple[int, int], asyncio.Lock] = {}


def writer_lock(bind: AsyncEngine | None) -> asyncio.Lock | None:
    """The in-process queue for SQLite transactions on `bind` (None for PostgreSQL).

    SQLite lets one transaction write at a time; BEGIN IMMEDIATE makes the others wait on the busy timeout,
    which polls with growing sleeps and lets late arrivals overtake early ones. Waiting on an asyncio lock
    instead is first come, first served and costs nothing, so latency stays even under load.
    """
    if bind is None or bind.dialect.name != "sqlite":
        return None
    key = (id(bind.sync_engine), id(asyncio.get_running_loop()))
    lock = _WRITER_LOCKS.get(key)
    if lock is None:
        lock = _WRITER_LOCKS[key] = asyncio.Lock()
    return lock
