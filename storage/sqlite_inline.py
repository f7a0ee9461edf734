"""SQLite calls on the event loop's own thread: no thread hop per statement, a thread only to wait on a lock.

aiosqlite runs every call (cursor, execute, fetch, close, commit) on one worker thread per connection and
hands the result back through the event loop: four thread hops per statement, each waiting for the GIL
while the loop runs other requests. Under load that wait, not SQLite, was most of a turn's time, and the
turn holds the writer lock (`storage.sqlite_tx.writer_lock`) all along, so every other turn waited too.

A statement on a local WAL database takes microseconds, so `InlineConnection` runs it directly. The only
call that can take long is one that waits for a lock another connection holds (BEGIN IMMEDIATE while
another process writes, say). The connection's own busy timeout is therefore 0: such a call fails at once
with SQLITE_BUSY, which has changed nothing, and is then repeated on a worker thread with the real busy
timeout, so the loop keeps serving while it waits. `executescript` (which commits on its own and may be
half done when it fails) always runs on the worker thread.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite

SQLITE_BUSY = 5
SQLITE_LOCKED = 6


def is_busy(error: BaseException) -> bool:
    """Tell whether SQLite refused because another connection holds a lock (nothing was changed)."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


class _InlineQueue:
    """Stands in for aiosqlite's queue to its worker thread, which SQLAlchemy's dialect uses directly to set
    the isolation level: the call runs at once, or when a lock wait still runs on a worker thread with the
    connection, as soon as that wait ends; its future is then resolved."""

    def __init__(self, owner: InlineConnection) -> None:
        self._owner = owner

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        if self._owner.in_thread:
            task = asyncio.ensure_future(self._after_the_thread(future, function))
            self._owner.deferred.add(task)
            task.add_done_callback(self._owner.deferred.discard)
        else:
            self._run(future, function)

    async def _after_the_thread(
        self, future: asyncio.Future[Any] | None, function: Callable[[], Any]
    ) -> None:
        await self._owner.wait_for_the_thread()
        self._run(future, function)

    @staticmethod
    def _run(future: asyncio.Future[Any] | None, function: Callable[[], Any]) -> None:
        try:
            result = function()
        except BaseException as error:  # handed to the awaiting caller, as aiosqlite's thread does
            if future is not None and not future.done():
                future.set_exception(error)
        else:
            if future is not None and not future.done():
                future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An `aiosqlite.Connection` that runs calls inline and waits for other connections' locks in a thread.

    SQLAlchemy's aiosqlite dialect drives it unchanged (see `connector`). The sqlite3 connection is opened
    with `check_same_thread=False` because a lock wait runs on a worker thread. Two threads must never be
    inside one sqlite3 connection (that crashes the process), so whether a wait runs is known from the
    thread itself (`in_thread`), not from an asyncio future: that future can be cancelled (its caller gave
    up, or the event loop is shutting down) while the thread still runs. Every call waits for the thread;
    a close asked for meanwhile is done by the thread as it leaves.
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection], busy_timeout_ms: int) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _InlineQueue(self)  # type: ignore[assignment]
        self.busy_timeout_ms = busy_timeout_ms
        self.waits = 0  # how many calls had to wait for a lock on a thread
        self.in_thread = False  # a call runs on a worker thread with the sqlite3 connection
        self.deferred: set[asyncio.Future[Any]] = set()
        self._thread_state = threading.Lock()
        self._close_when_done: sqlite3.Connection | None = None
        self._thread_done = asyncio.Event()

    def __await__(self) -> Any:
        return self._connect().__await__()

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
            self._connection.execute("PRAGMA busy_timeout=0")
        return self

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        await self.wait_for_the_thread()
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if getattr(fn, "__name__", "") != "executescript":
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                if not is_busy(error):
                    raise
        self.waits += 1
        loop = asyncio.get_running_loop()
        done = self._thread_done = asyncio.Event()
        self.in_thread = True
        try:
            work = loop.run_in_executor(
                None, self._wait_and_call, self._connection, done, loop, fn, args, kwargs
            )
        except BaseException:
            self.in_thread = False
            raise
        # The caller may give up (cancelled); the thread goes on, and `in_thread` says so until it ends.
        return await asyncio.shield(work)

    async def wait_for_the_thread(self) -> None:
        """Wait until no call runs on a worker thread with this connection.

        A cancelled caller can leave one running. Its outcome is not this caller's, so it is not raised here;
        but when this caller is cancelled meanwhile, the cancellation is, and nothing runs beside the thread.
        """
        while self.in_thread:
            await self._thread_done.wait()

    def _wait_and_call(
        self,
        conn: sqlite3.Connection,
        done: asyncio.Event,
        loop: asyncio.AbstractEventLoop,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        try:
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            try:
                return fn(*args, **kwargs)
            finally:
                conn.execute("PRAGMA busy_timeout=0")
        finally:
            with self._thread_state:
                self.in_thread = False
                closing, self._close_when_done = self._close_when_done, None
            if closing is not None:
                closing.close()  # asked for while this thread was inside it: now nobody is
            try:
                loop.call_soon_threadsafe(done.set)
            except RuntimeError:
                pass  # the event loop is closed: nobody waits any more

    def stop(self) -> asyncio.Future[Any] | None:
        """Close the sqlite3 connection (there is no worker thread to stop).

        When a call still runs on a worker thread with this connection (its caller was cancelled, and
        SQLAlchemy then terminates the connection), that thread closes it as it leaves: closing a sqlite3
        connection under another thread's call crashes the process.
        """
        self._running = False
        conn, self._connection = self._connection, None
        if conn is None:
            return None
        with self._thread_state:
            if self.in_thread:
                self._close_when_done = conn
                return None
        conn.close()
        return None

    async def close(self) -> None:
        """Close the connection; closing twice does nothing."""
        if self._connection is None:
            return
        try:
            await self.wait_for_the_thread()
        finally:
            self.stop()  # when cancelled meanwhile, the thread closes it as it leaves


def connector(path: str, busy_timeout_s: float) -> Callable[[], Awaitable[InlineConnection]]:
    """Return an `async_creator` for `create_async_engine` that opens `InlineConnection`s on `path`."""

    def open_sqlite() -> sqlite3.Connection:
        return sqlite3.connect(path, timeout=0, check_same_thread=False)

    async def create() -> InlineConnection:
        return await InlineConnection(open_sqlite, int(busy_timeout_s * 1000))

    return create
