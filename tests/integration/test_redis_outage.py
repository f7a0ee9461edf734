"""Redis is a helper, never a single point of failure: a Redis server of the test's own is stopped and started.

The conversation state keeps working from the database while Redis is away, the outage is noticed once, and
a key that could not be dropped while Redis was away is never read stale once it is back.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_sessionmaker
from storage.redis_state import RedisConversationStore, RedisGuard
from storage.uow import UnitOfWorkFactory

pytestmark = pytest.mark.redis

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


class RedisServer:
    """A redis-server on a free port that a test can stop and start again."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.dir = tempfile.mkdtemp(prefix="redis-outage-")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.01)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.dir, ignore_errors=True)


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis(port=redis_server.port, socket_timeout=1.0, socket_connect_timeout=1.0)
    yield client
    await client.aclose()


async def test_conversations_work_while_redis_is_away_and_no_stale_key_is_read_after(
    engine: AsyncEngine, redis: Redis, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    factory = UnitOfWorkFactory(make_sessionmaker(engine), redis=redis, redis_prefix="outage:")
    chat = f"chat-{uuid.uuid4().hex}"  # a conversation of its own: its row's versions start at 1
    redis_key = f"outage:conv:v2:{chat}"
    assert factory.redis is not None
    factory.redis.cooloff_s = 0.05
    async with factory() as uow:
        assert isinstance(uow.conversations, RedisConversationStore)
        await uow.conversations.save(chat, {"v": 1}, NOW)
        await uow.commit()
    assert await redis.get(redis_key) == b'1|S{"v": 1}'

    # Redis stops; a later change cannot drop the Redis copy, which is now stale.
    redis_server.stop()
    for step in (2, 3):
        async with factory() as uow:
            assert await uow.conversations.load(chat) == {"v": step - 1}
            await uow.conversations.save(chat, {"v": step}, NOW)
            await uow.commit()
    assert factory.redis.state() == "down"
    assert sum("Redis is unreachable" in r.getMessage() for r in caplog.records) == 1  # said once

    # Redis comes back with the old value (as a partitioned or restarted-with-data server would have).
    redis_server.start()
    await redis.set(redis_key, b'1|S{"v": 1}')
    await asyncio.sleep(0.06)
    async with factory() as uow:
        assert await uow.conversations.load(chat) == {"v": 3}  # never the stale copy
        await uow.conversations.save(chat, {"v": 4}, NOW)
        await uow.commit()
    assert factory.redis.state() == "ok"
    assert await redis.get(redis_key) == b'4|S{"v": 4}'  # the mirror refills


async def test_the_guard_answers_the_fallback_at_once_during_the_cool_off(
    redis: Redis, redis_server: RedisServer
) -> None:
    now = [100.0]
    guard = RedisGuard(redis, prefix="x:", cooloff_s=5.0, clock=lambda: now[0])
    assert await guard.ping() is True
    redis_server.stop()
    assert await guard.run(lambda r: r.get("x:a"), "fallback") == "fallback"
    assert guard.state() == "down"
    calls: list[str] = []

    async def counted(r: Redis) -> str:
        calls.append("called")
        return "redis"

    assert await guard.run(counted, "fallback") == "fallback"
    assert calls == []  # within the cool-off Redis is not even asked
    redis_server.start()
    now[0] += 5.0
    assert await guard.run(counted, "fallback") == "redis"
    assert guard.state() == "ok"
