"""PostgreSQL LISTEN: call back when another process's transaction says something changed (NOTIFY).

Triggers send `helpdesk_kb` when KB articles or phrasings change (migration 0014) and `helpdesk_outbox` when
messages are queued (0018). A listener holds one connection of its own outside the pool for all its
channels; when it drops it is opened again after a pause, and the caller's polling (which goes on
regardless) covers what was said meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping

import asyncpg
from sqlalchemy.engine import make_url

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
