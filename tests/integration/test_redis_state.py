"""RedisDedup and RedisLock on a real Redis server."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from storage.redis_state import LockNotAcquired, RedisDedup, RedisLock

pytestmark = pytest.mark.redis


async def test_dedup_first_time_then_repeat(redis_client: Redis, redis_prefix: str) -> None:
    dedup = RedisDedup(redis_client, prefix=redis_prefix, ttl_s=60)
    assert await dedup.first_time("tg:1") is True
    assert await dedup.first_time("tg:1") is False
    assert await dedup.first_time("tg:2") is True
    assert 0 < await redis_client.ttl(f"{redis_prefix}tg:1") <= 60
    await dedup.forget("tg:1")
    assert await dedup.first_time("tg:1") is True


async def test_dedup_concurrent_only_one_first(redis_client: Redis, redis_prefix: str) -> None:
    dedup = RedisDedup(redis_client, prefix=redis_prefix)
    results = await asyncio.gather(*(dedup.first_time("same") for _ in range(20)))
    assert results.count(True) == 1


async def test_lock_excludes_and_releases(redis_client: Redis, redis_prefix: str) -> None:
    first = RedisLock(redis_client, "chat:1", prefix=redis_prefix, wait_s=0)
    second = RedisLock(redis_client, "chat:1", prefix=redis_prefix, wait_s=0)
    assert await first.acquire() is True
    assert await second.acquire() is False
    with pytest.raises(LockNotAcquired, match="try again"):
        async with second:
            pass
    assert await first.release() is True
    assert await first.release() is False  # not held any more
    async with second:
        assert await redis_client.exists(second.key) == 1
    assert await redis_client.exists(second.key) == 0


async def test_expired_lock_is_not_released_by_its_old_holder(redis_client: Redis, redis_prefix: str) -> None:
    old = RedisLock(redis_client, "job", prefix=redis_prefix, ttl_ms=50, wait_s=0)
    assert await old.acquire()
    await asyncio.sleep(0.1)  # the lease ran out
    new = RedisLock(redis_client, "job", prefix=redis_prefix, ttl_ms=5_000, wait_s=0)
    assert await new.acquire()
    assert await old.release() is False  # token check: the new holder keeps its lock
    assert await redis_client.exists(new.key) == 1
    assert await new.release() is True


async def test_lock_serialises_critical_sections(redis_client: Redis, redis_prefix: str) -> None:
    inside = 0
    most = 0

    async def critical() -> None:
        nonlocal inside, most
        async with RedisLock(redis_client, "section", prefix=redis_prefix, wait_s=5, retry_s=0.005):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(critical() for _ in range(8)))
    assert most == 1
