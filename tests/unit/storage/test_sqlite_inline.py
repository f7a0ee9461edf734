"""SQLite statements run on the event loop's thread; waiting for another connection's lock does not block it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine, make_sessionmaker
from storage.sqlite_inline import InlineConnection, is_busy
from storage.uow import UnitOfWorkFactory


def _engine(path: Path) -> AsyncEngine:
    engine = make_engine(f"sqlite+aiosqlite:///{path}")

    @event.listens_for(engine.sync_engine, "connect")
    def _thread_function(dbapi_conn: Any, _record: Any) -> None:
        # SQLite calls a user function on the thread that runs the statement.
        dbapi_conn.create_function("thread_id", 0, threading.get_ident)

    return engine


async def _setup(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))


async def test_statements_run_on_the_loop_thread(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "a.db")
    try:
        await _setup(engine)
        async with engine.connect() as conn:
            ran_on = (await conn.execute(text("SELECT thread_id()"))).scalar_one()
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
            busy_ms = (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one()
        assert ran_on == threading.get_ident()
        assert busy_ms == 0  # a lock wait is never spent on the loop's thread
    finally:
        await engine.dispose()


async def test_in_memory_database_keeps_aiosqlite(tmp_path: Path) -> None:
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert not isinstance(raw.driver_connection, InlineConnection)
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()


async def test_a_lock_held_elsewhere_is_waited_for_on_a_thread(tmp_path: Path) -> None:
    path = tmp_path / "b.db"
    engine = _engine(path)
    try:
        await _setup(engine)
        factory = UnitOfWorkFactory(make_sessionmaker(engine))
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another process writing, as far as SQLite can tell
        other.execute("INSERT INTO t VALUES (1)")
        ticks = 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        async def write() -> InlineConnection:
            async with factory() as uow:
                await uow.session.execute(text("INSERT INTO t VALUES (2)"))
                raw = (await uow.session.connection()).sync_connection
                assert raw is not None
                driver = raw.connection.driver_connection
                await uow.commit()
            assert isinstance(driver, InlineConnection)
            return driver

        ticking = asyncio.create_task(ticker())
        writing = asyncio.create_task(write())
        await asyncio.sleep(0.3)
        assert not writing.done()  # waiting for the lock...
        assert ticks >= 10  # ...while the loop keeps serving
        other.execute("COMMIT")
        driver = await asyncio.wait_for(writing, 10)
        stop.set()
        await ticking
        other.close()
        assert driver.waits >= 1
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all() == [1, 2]
            # the wait's busy timeout was only for that call
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one() == 0
    finally:
        await engine.dispose()


async def test_other_errors_are_raised_at_once(tmp_path: Path) -> None:
    engine = _engine(tmp_path / "c.db")
    try:
        async with engine.connect() as conn:
            with pytest.raises(OperationalError, match="no such table"):
                await conn.execute(text("SELECT * FROM missing"))
    finally:
        await engine.dispose()


def test_busy_is_told_apart_from_other_errors() -> None:
    assert is_busy(sqlite3.OperationalError("database is locked"))
    assert not is_busy(sqlite3.OperationalError("no such table: x"))
    assert not is_busy(ValueError("database is locked"))


async def _connection_waiting_for_a_lock(
    path: Path,
) -> tuple[InlineConnection, sqlite3.Connection, asyncio.Task[Any]]:
    """An `InlineConnection` whose BEGIN IMMEDIATE waits on a worker thread for `other`'s write lock."""
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
    setup.commit()
    setup.close()
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    conn = await InlineConnection(
        lambda: sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False), 5_000
    )
    begin = asyncio.create_task(conn.execute("BEGIN IMMEDIATE"))
    for _ in range(100):
        if conn.waits:
            break
        await asyncio.sleep(0.01)
    assert conn.waits == 1
    return conn, other, begin


async def test_a_caller_cancelled_behind_a_lock_wait_never_touches_the_connection(tmp_path: Path) -> None:
    # A lock wait runs on a worker thread with the sqlite3 connection; a second call must not run beside
    # it on the loop's thread, even when that caller is cancelled while it waits (two threads in one
    # sqlite3 connection crash the process).
    conn, other, begin = await _connection_waiting_for_a_lock(tmp_path / "d.db")
    touched: list[str] = []
    real_connection = conn._connection
    assert real_connection is not None

    def spy() -> None:
        touched.append("inline")

    behind = asyncio.create_task(conn._execute(spy))
    await asyncio.sleep(0.05)
    behind.cancel()
    with pytest.raises(asyncio.CancelledError):
        await behind
    assert touched == []  # the cancelled call did not run while the wait was on the thread
    other.execute("ROLLBACK")
    await asyncio.wait_for(begin, 10)
    await conn.close()
    other.close()


async def test_stop_during_a_lock_wait_closes_the_connection_when_the_wait_ends(tmp_path: Path) -> None:
    conn, other, begin = await _connection_waiting_for_a_lock(tmp_path / "e.db")
    begin.cancel()  # the caller gives up; the wait goes on on its thread
    with pytest.raises(asyncio.CancelledError):
        await begin
    raw = conn._connection
    assert raw is not None
    conn.stop()  # what SQLAlchemy's terminate does; the raw connection must not be touched while the wait runs
    assert conn.in_thread  # the thread is still inside: closing now would crash the process
    other.execute("ROLLBACK")
    await asyncio.wait_for(conn.wait_for_the_thread(), 10)
    with pytest.raises(sqlite3.ProgrammingError):  # closed by the thread as it left
        raw.execute("SELECT 1")
    other.close()


def test_a_wait_left_running_when_the_event_loop_ends_never_shares_the_connection(tmp_path: Path) -> None:
    # What crashed CI: a caller gave up on a lock wait, SQLAlchemy terminated the connection, and the event
    # loop then shut down, cancelling every task; the asyncio side of the wait ended with it while the
    # thread still ran, and the connection was closed under the thread.
    path = tmp_path / "f.db"
    holder: dict[str, Any] = {}

    async def give_up_and_end() -> None:
        conn, other, begin = await _connection_waiting_for_a_lock(path)
        holder.update(conn=conn, other=other, raw=conn._connection)
        begin.cancel()
        with pytest.raises(asyncio.CancelledError):
            await begin
        conn.stop()
        threading.Timer(0.5, lambda: other.execute("ROLLBACK")).start()
        # asyncio.run now cancels what is left and waits for the worker thread.

    asyncio.run(give_up_and_end())
    assert not holder["conn"].in_thread
    with pytest.raises(sqlite3.ProgrammingError):  # closed, by the thread, once it had left
        holder["raw"].execute("SELECT 1")
    holder["other"].close()
