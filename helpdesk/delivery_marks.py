"""Marking delivered outbox rows sent on PostgreSQL in as few statements as possible (`SentMarks`), outside a
transaction: each statement is its own, so no BEGIN and COMMIT round trips (`helpdesk.delivery` uses it)."""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from storage import outbox_delivery as box
from storage.transient import in_transaction


def autocommit_engine(sessions: async_sessionmaker) -> AsyncEngine | None:
    """The PostgreSQL engine behind `sessions`, whose one-statement writes (the claim, marking rows sent) run
    outside a transaction: no BEGIN and COMMIT, two round trips fewer each. None elsewhere (SQLite, or
    sessions bound to one connection, as in tests that roll back), where they keep their transactions."""
    bind = getattr(sessions, "kw", {}).get("bind")
    return bind if isinstance(bind, AsyncEngine) and bind.dialect.name == "postgresql" else None


class SentMarks:
    """Marks rows sent in as few statements as possible: the rows whose sends end while one statement runs
    go together in the next (`storage.outbox_delivery.mark_sent_many`), each with its own time.

    A row waits at most for the statement in progress and its own: it is still marked right after its call,
    and a crash still repeats at most the rows in flight (a batch holds one row per chat).
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._waiting: list[tuple[int, datetime, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None
        self.statements = 0  # how many statements marked rows (tests, benchmarks)

    async def mark(self, id: int, at: datetime) -> None:
        """Mark row `id` sent at `at`; return once that is committed (raise what the statement raised)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((id, at, done))
        if self._flushing is None:
            # Started on the loop's next turn: the sends that end in this one join the first statement.
            self._flushing = asyncio.create_task(self._flush(), name="delivery-mark-sent")
        await done

    async def _flush(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                work = functools.partial(box.mark_sent_many, sent=[(id, at) for id, at, _ in batch])
                try:
                    # Again after a cut connection: an unmarked row that was sent would be sent twice.
                    await in_transaction(self.engine, work, autocommit=True, fetch_only=True)
                    self.statements += 1
                except BaseException as e:
                    for *_, done in batch:
                        if done.done():
                            continue
                        if isinstance(e, Exception):
                            done.set_exception(e)
                        else:
                            done.cancel()
                    if not isinstance(e, Exception):
                        raise
                    continue
                for *_, done in batch:
                    if not done.done():
                        done.set_result(None)
        finally:
            self._flushing = None
