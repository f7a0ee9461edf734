"""Redis helpers: a conversation-state cache that is never ahead of the database, dedup keys and locks.

Nothing that must not be lost lives only in Redis: conversation state is written to SQL in the unit of work
and mirrored to Redis after the commit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from datetime import datetime
from typing import Any, Self

from redis.asyncio import Redis

from storage.repositories.dialogue import SqlConversationStore

log = logging.getLogger(__name__)

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""

_MISSING = object()


class RedisConversationStore:
    """Conversation state read from Redis, written to SQL in the transaction and to Redis after commit.

    Invariant: a Redis key is either absent or equal to the committed row. Keys about to change are
    deleted before the database commit (readers fall back to SQL meanwhile) and set again only after the
    commit succeeded, so a failed commit or a failed Redis write can leave Redis empty but never wrong.
    """

    def __init__(
        self,
        sql: SqlConversationStore,
        redis: Redis,
        *,
        prefix: str = "helpdesk:conv:",
        ttl_s: int = 7 * 86400,
    ) -> None:
        self.sql = sql
        self.redis = redis
        self.prefix = prefix
        self.ttl_s = ttl_s
        self._pending: dict[str, dict[str, Any] | None] = {}

    def _key(self, key: str) -> str:
        return self.prefix + key

    async def load(self, key: str) -> dict[str, Any] | None:
        """Return the state: this unit's own unsaved change first, then Redis, then the database."""
        pending = self._pending.get(key, _MISSING)
        if pending is not _MISSING:
            return json.loads(json.dumps(pending)) if pending is not None else None
        cached = await self.redis.get(self._key(key))
        if cached is not None:
            data: dict[str, Any] = json.loads(cached)
            return data
        return await self.sql.load(key)

    async def save(self, key: str, state: dict[str, Any], at: datetime) -> None:
        """Write the state to SQL now and to Redis after the commit."""
        await self.sql.save(key, state, at)
        self._pending[key] = json.loads(json.dumps(state, default=str))

    async def clear(self, key: str) -> None:
        """Forget the state in SQL now and in Redis after the commit."""
        await self.sql.clear(key)
        self._pending[key] = None

    async def before_commit(self) -> None:
        """Drop the Redis copies of the keys this unit changed, before the database commits."""
        if self._pending:
            await self.redis.delete(*(self._key(k) for k in self._pending))

    async def after_commit(self) -> None:
        """Mirror the committed changes to Redis; a failure only costs cache hits."""
        pending, self._pending = self._pending, {}
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key, state in pending.items():
                    if state is not None:
                        pipe.set(self._key(key), json.dumps(state), ex=self.ttl_s)
                await pipe.execute()
        except Exception:
            log.warning("could not mirror %d conversation states to Redis", len(pending), exc_info=True)

    async def after_rollback(self) -> None:
        """Discard buffered writes: the database did not keep them."""
        self._pending.clear()


class RedisDedup:
    """A fast pre-check for repeated platform updates; the database's inbound log stays the authority."""

    def __init__(self, redis: Redis, *, prefix: str = "helpdesk:dedup:", ttl_s: int = 86400) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_s = ttl_s

    async def first_time(self, key: str) -> bool:
        """Mark `key` as seen; return False when it was already seen within the TTL."""
        return bool(await self.redis.set(self.prefix + key, b"1", nx=True, ex=self.ttl_s))

    async def forget(self, key: str) -> None:
        """Unmark `key`, e.g. when handling it failed and a retry must be let through."""
        await self.redis.delete(self.prefix + key)


class LockNotAcquired(TimeoutError):
    """Another holder kept the lock for the whole wait; try again later."""


class RedisLock:
    """A mutex across processes: SET NX PX with a random token; release only deletes our own token.

    Use as `async with RedisLock(redis, "chat:42"):`, or call `acquire` / `release`.
    """

    def __init__(
        self,
        redis: Redis,
        name: str,
        *,
        ttl_ms: int = 30_000,
        wait_s: float = 10.0,
        retry_s: float = 0.05,
        prefix: str = "helpdesk:lock:",
    ) -> None:
        self.redis = redis
        self.key = prefix + name
        self.ttl_ms = ttl_ms
        self.wait_s = wait_s
        self.retry_s = retry_s
        self.token: str | None = None

    async def acquire(self, wait_s: float | None = None) -> bool:
        """Take the lock, waiting up to `wait_s` seconds (default: the constructor's); return success."""
        token = secrets.token_hex(16)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.wait_s if wait_s is None else wait_s)
        while True:
            if await self.redis.set(self.key, token, nx=True, px=self.ttl_ms):
                self.token = token
                return True
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(self.retry_s)

    async def release(self) -> bool:
        """Release the lock if we still hold it; return False when it had expired or passed to another."""
        if self.token is None:
            return False
        token, self.token = self.token, None
        released = await self.redis.eval(_RELEASE, 1, self.key, token)  # type: ignore[misc]
        return bool(released)

    async def __aenter__(self) -> Self:
        if not await self.acquire():
            raise LockNotAcquired(f"lock {self.key!r} is busy; try again later")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.release()
