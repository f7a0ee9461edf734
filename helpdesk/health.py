"""`/healthz`: each dependency as ok, degraded or down; a non-200 only when the database cannot be reached.

Redis is a helper (the app answers from the database without it), so Redis down makes the app degraded,
not down. The inbox and outbox backlogs say whether messages are waiting longer than they should.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from storage import inbox_admin, outbox_delivery
from storage.db import ping
from storage.redis_state import RedisGuard

DB_TIMEOUT_S = 3.0
BACKLOG_DEGRADED_S = 60.0  # a message waiting longer than this makes the app degraded


async def check_database(db: AsyncEngine) -> str:
    """ "ok" when a round trip to the database works within DB_TIMEOUT_S, else "down"."""
    try:
        async with asyncio.timeout(DB_TIMEOUT_S):
            async with db.connect() as conn:
                await ping(conn)
    except Exception:
        return "down"
    return "ok"


async def backlogs(sessions: async_sessionmaker) -> dict[str, Any]:
    """Inbound messages waiting or parked, and outgoing ones waiting or failed."""
    now = datetime.now(UTC)
    async with asyncio.timeout(DB_TIMEOUT_S), sessions() as session:
        inbox = await inbox_admin.counts(session, now)
        outbox = await outbox_delivery.counts(session, now)
    return {"inbox": inbox, "outbox": outbox}


async def report(
    db: AsyncEngine, sessions: async_sessionmaker, redis: RedisGuard | None
) -> tuple[int, dict[str, Any]]:
    """The health report and its HTTP status."""
    checks: dict[str, Any] = {"database": await check_database(db)}
    if redis is None:
        checks["redis"] = "off"
    else:
        checks["redis"] = "ok" if await redis.ping() else "down"
    degraded = checks["redis"] == "down"
    if checks["database"] == "ok":
        try:
            queues = await backlogs(sessions)
        except Exception:
            queues = {}
            degraded = True
        checks.update(queues)
        waiting = [
            queues[name].get("oldest_pending_s", 0.0) for name in ("inbox", "outbox") if name in queues
        ]
        degraded = degraded or any(age > BACKLOG_DEGRADED_S for age in waiting)
    if checks["database"] != "ok":
        status = "down"
    elif degraded:
        status = "degraded"
    else:
        status = "ok"
    return (503 if status == "down" else 200), {"status": status, "ok": status != "down", "checks": checks}


def make_healthz(db: AsyncEngine, sessions: async_sessionmaker, redis: RedisGuard | None) -> Any:
    """The aiohttp handler of `/healthz`."""

    async def healthz(_request: web.Request) -> web.Response:
        status, body = await report(db, sessions, redis)
        return web.json_response(body, status=status)

    return healthz
