"""Which failures are the infrastructure's (a dropped connection, a timeout), and short transactions that
outlive one: the outcome of a send or of a handled message must not be lost to a connection that was cut
a moment before (SQLAlchemy then drops the pool's stale connections, so the next try gets a fresh one).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import driver_sql

log = logging.getLogger(__name__)

T = TypeVar("T")
PAUSES_S = (0.05, 0.2, 0.5, 1.0)  # between the tries of `in_transaction`: about 2 s in all


def is_transient(error: BaseException) -> bool:
    """Whether a failure looks like the infrastructure (connections, timeouts) rather than a bug."""
    if isinstance(error, (OSError, TimeoutError, ConnectionError, sa_exc.OperationalError)):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError)):
        return True
    kind = type(error)
    if kind.__module__.startswith(("asyncpg", "redis")):
        # asyncpg's connection errors and redis' ConnectionError/TimeoutError; a constraint violation
        # reaches us wrapped in sqlalchemy.exc.IntegrityError and is not transient.
        return "Connection" in kind.__name__ or "Timeout" in kind.__name__
    cause = error.__cause__ or error.__context__
    return cause is not None and cause is not error and is_transient(cause)


async def in_transaction(
    where: AsyncEngine | async_sessionmaker[AsyncSession],
    work: Callable[[Any], Awaitable[T]],
    pauses: tuple[float, ...] = PAUSES_S,
    *,
    autocommit: bool = False,
    fetch_only: bool = False,
) -> T:
    """Run `work(conn)` in its own transaction, again after a transient failure (up to len(pauses) times).

    `where` is an engine (`work` gets a plain connection: the hot paths) or a session factory (`work` gets a
    session). Only for work that is safe to repeat (it is rolled back when it fails). The last failure is
    raised. `autocommit` (an engine only): no BEGIN and COMMIT around `work`, for work that is one
    statement, which is then its own transaction: two round trips fewer. `fetch_only` (with `autocommit`):
    `work` runs its statements through `storage.driver_sql.fetch` alone, so on asyncpg it gets the pool's
    connection without SQLAlchemy's around it (`driver_sql.autocommit`).
    """
    for pause in (*pauses, None):
        try:
            if isinstance(where, AsyncEngine) and autocommit and fetch_only:
                async with driver_sql.autocommit(where) as lent:
                    return await work(lent)
            if isinstance(where, AsyncEngine) and autocommit:
                async with where.connect() as conn:
                    await conn.execution_options(isolation_level="AUTOCOMMIT")
                    return await work(conn)
            if isinstance(where, AsyncEngine):
                async with where.begin() as conn:
                    return await work(conn)
            async with where() as session, session.begin():
                return await work(session)
        except Exception as e:
            if pause is None or not is_transient(e):
                raise
            log.info("transaction failed (%s); trying again in %.2f s", type(e).__name__, pause)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")  # the loop returns or raises
