"""`/healthz` reports each dependency: Redis away is degraded (200), the database away is down (503)."""

from __future__ import annotations

import socket

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk.health import report
from storage.db import make_engine, make_sessionmaker
from storage.redis_state import RedisGuard


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_all_ok_and_redis_off(engine: AsyncEngine) -> None:
    status, body = await report(engine, make_sessionmaker(engine), None)
    assert status == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "off"
    assert body["checks"]["inbox"] == {"pending": 0, "dead": 0, "oldest_pending_s": 0.0}
    assert body["checks"]["outbox"]["pending"] == 0


async def test_redis_away_is_degraded_not_down(engine: AsyncEngine) -> None:
    redis = Redis(port=closed_port(), socket_connect_timeout=0.5)
    try:
        status, body = await report(engine, make_sessionmaker(engine), RedisGuard(redis))
    finally:
        await redis.aclose()
    assert status == 200
    assert (body["status"], body["checks"]["redis"]) == ("degraded", "down")


async def test_database_away_is_down() -> None:
    db = make_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/nowhere")
    try:
        status, body = await report(db, make_sessionmaker(db), None)
    finally:
        await db.dispose()
    assert status == 503
    assert (body["status"], body["checks"]["database"]) == ("down", "down")
