"""PostgreSQL LISTEN: call back when another process's transaction says something changed (NOTIFY).

Triggers send `helpdesk_kb` when KB articles or phrasings change (migration 0014); the app's `Bell` sends
`helpdesk_outbox` after it commits queued messages (a trigger did until migration 0024, see `Bell`). A listener holds one connection of its own outside the pool for all its
channels; when it drops it is opened again after a pause, and the caller's polling (which goes on
regardless) covers what was said meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

KB_CHANNEL = "helpdesk_kb"
OUTBOX_CHANNEL = "helpdesk_outbox"
RECONNECT_S = 2.0


def is_postgres(database_url: str) -> bool:
    """Whether the app's database URL names PostgreSQL (LISTEN/NOTIFY is there; SQLite has one process)."""
    return make_url(database_url).drivername.startswith("postgresql")


async def listen(
    database_url: str, handlers: Mapping[str, Callable[[str], None]], stop: asyncio.Event
) -> None:
    """Call `handlers[channel](payload)` for each NOTIFY on one of its channels until `stop` is set.

    One connection listens on every channel; after a failure it reconnects, and on each (re)connection every
    handler is called once with "" (what changed while nobody listened is looked at now).
    """
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    names = ", ".join(handlers)
    while not stop.is_set():
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(dsn, timeout=5)
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c, lost=lost: lost.set())  # type: ignore[misc]
            for channel, on_notify in handlers.items():
                await conn.add_listener(channel, lambda _c, _pid, _ch, payload, call=on_notify: call(payload))
            for on_notify in handlers.values():
                on_notify("")
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(lost.wait())]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning("LISTEN %s: %s; trying again in %.0f s (polling goes on)", names, e, RECONNECT_S)
        finally:
            if conn is not None and not conn.is_closed():
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)
        if not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RECONNECT_S)


class Bell:
    """Sends `NOTIFY channel` for this process's commits, at most once per `every_s`.

    Why not a trigger: a transaction that has sent a NOTIFY takes one lock for the whole database at commit
    and holds it through the commit's WAL flush, so every notifying commit waits for the one before it.
    With the outbox's trigger (migration 0018, dropped in 0024) every turn notified, and on this machine 12
    writers inserting into `outbox` managed 140-170 commits/s with it against 2,700-3,300 without
    (pgbench, side by side), below the 205 messages/s the dialogue figure asks for.

    The bell rings after the commit (the listener then sees the rows), in an autocommit statement of its own:
    at once when it has been quiet for `every_s`, else once at the end of the window for every ring in it.
    A failed NOTIFY is only logged: listeners poll anyway.
    """

    def __init__(self, db: AsyncEngine, channel: str, *, every_s: float = 0.05) -> None:
        self.db = db
        self.channel = channel
        self.every_s = every_s
        self.sent = 0  # NOTIFYs sent (tests, metrics)
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def ring(self) -> None:
        """Something was committed that listeners should look at (call after the commit, on the loop)."""
        if self._task is not None and not self._task.done():
            self._again = True  # the running window sends once more at its end
            return
        self._again = False
        self._task = asyncio.get_running_loop().create_task(self._send(), name=f"bell-{self.channel}")

    async def _send(self) -> None:
        while True:
            try:
                async with self.db.connect() as conn:
                    await conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": self.channel})
                    await conn.commit()
                self.sent += 1
            except Exception as e:  # listeners poll anyway
                log.debug("NOTIFY %s: %s", self.channel, e)
            await asyncio.sleep(self.every_s)
            if not self._again:
                return
            self._again = False

    async def close(self) -> None:
        """Wait for a NOTIFY in flight (at most one window), so that a commit just before a stop is heard."""
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
