"""Redis helpers: a conversation-state cache that is never ahead of the database, dedup keys and locks.

Nothing that must not be lost lives only in Redis: conversation state is written to SQL in the unit of work
and mirrored to Redis after the commit. Redis being away only makes the app read the database (`RedisGuard`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any, Self, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from storage.repositories._sql import json_safe
from storage.repositories.dialogue import SqlConversationStore

log = logging.getLogger(__name__)

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""

T = TypeVar("T")


class RedisGuard:
    """Whether Redis answers, so that Redis is a helper and never a single point of failure.

    Every call goes through `run`: a Redis error marks Redis down for `cooloff_s`, logged once, and the
    caller gets its fallback (the database) meanwhile. A conversation-state key that should have been
    dropped while Redis was away may be stale once it is back, so before Redis is trusted again every key
    under `prefix` is deleted (`_recover`): readers fall back to the database until the mirror refills.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "helpdesk:conv:",
        cooloff_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.cooloff_s = cooloff_s
        self.clock = clock
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def up(self) -> bool:
        """False from a failed call until a later call finds Redis back."""
        return self._down_since is None

    def state(self) -> str:
        """ "ok" or "down", for the health check."""
        return "ok" if self.up else "down"

    async def run(self, call: Callable[[Redis], Awaitable[T]], fallback: T) -> T:
        """`call(redis)`, or `fallback` while Redis is down (or when this call finds it down)."""
        if not self.up and not await self._recover():
            return fallback
        try:
            return await call(self.redis)
        except (RedisError, OSError) as e:
            self._failed(e)
            return fallback

    async def ping(self) -> bool:
        """Ask Redis now (the health check); a failure marks it down as any other call would."""
        return bool(await self.run(lambda r: r.ping(), False))  # type: ignore[arg-type, return-value]

    def _failed(self, error: BaseException) -> None:
        now = self.clock()
        if self._down_since is None:
            log.warning("Redis is unreachable (%s); answering from the database until it is back", error)
            self._down_since = now
        self._retry_at = now + self.cooloff_s

    async def _recover(self) -> bool:
        """After the cool-off, drop the possibly stale keys and trust Redis again; False while it is away."""
        if self.clock() < self._retry_at:
            return False
        async with self._lock:
            if self.up:
                return True
            try:
                async for batch in _batches(self.redis.scan_iter(match=self.prefix + "*", count=500)):
                    await self.redis.unlink(*batch)
            except (RedisError, OSError) as e:
                self._retry_at = self.clock() + self.cooloff_s
                log.debug("Redis still unreachable: %s", e)
                return False
            assert self._down_since is not None
            log.warning(
                "Redis is back after %.0f s; conversation mirror emptied", self.clock() - self._down_since
            )
            self._down_since = None
            return True


async def _batches(keys: AsyncIterator[Any], size: int = 500) -> AsyncIterator[list[Any]]:
    batch: list[Any] = []
    async for key in keys:
        batch.append(key)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# Writes each mirrored state unless Redis holds a higher version of it, and drops the pre-version key (see
# `RedisConversationStore._legacy`). KEYS: pairs (key, legacy key); ARGV[1]: TTL in seconds, then for pair i
# ARGV[2i] its version and ARGV[2i+1] its value.
_MIRROR = """
for i = 1, #KEYS, 2 do
    local n = (i + 1) / 2
    local version = tonumber(ARGV[2 * n])
    local held = redis.call('GET', KEYS[i])
    local held_version = held and tonumber(string.match(held, '^(%d+)|'))
    if not held_version or held_version <= version then
        redis.call('SET', KEYS[i], ARGV[2 * n] .. '|' .. ARGV[2 * n + 1], 'EX', ARGV[1])
    end
    redis.call('DEL', KEYS[i + 1])
end
return 0
"""
_FENCE = "F"  # a version is being committed: read the database
_STATE = "S"  # followed by the state's JSON
_CLEARED = "N"  # the conversation has no state


class RedisConversationStore:
    """Conversation state read from Redis, written to SQL in the transaction and to Redis after commit.

    Invariant: what Redis holds for a key is absent, a fence (read the database), or the state the database
    holds. Each save or clear gives the state a new version in the same SQL statement (migration 0034). Before
    the database commits, the keys about to change are fenced with their new version (readers fall back to
    SQL meanwhile); after the commit the state is written with its version. Redis takes a write only when it
    holds no higher version of the key (`_MIRROR`), so a process that is slow to mirror its commit cannot
    bring back an older state over one another process committed since (a turn of the same chat reading it
    would lose that change), and a failed commit or Redis write can leave a fence but never a wrong state.
    While Redis is away (`RedisGuard`) every call falls back to SQL, and every key is dropped before Redis is
    read again.

    With `reads` False (fence-only, `CONVERSATION_MIRROR=false`) the state is read from the database and nothing
    is mirrored after the commit, but the changed keys are still fenced before it: a process that does read
    the mirror (an older release during a rolling upgrade, or one with the setting on) then reads the database
    for them, never a state older than the committed one. One round trip a turn that changes the state, where
    the mirror costs three (docs/scaling.md).
    """

    def __init__(
        self,
        sql: SqlConversationStore,
        guard: RedisGuard,
        *,
        ttl_s: int = 7 * 86400,
        reads: bool = True,
    ) -> None:
        self.sql = sql
        self.guard = guard
        self.reads = reads
        self.prefix = guard.prefix
        self.ttl_s = ttl_s
        self._script = guard.redis.register_script(_MIRROR)  # EVALSHA, loaded once (EVAL on a NOSCRIPT)
        # Changed in this unit: the new version (None: nothing was kept to change) and state (None: cleared).
        self._pending: dict[str, tuple[int | None, dict[str, Any] | None]] = {}

    def _key(self, key: str) -> str:
        return f"{self.prefix}v2:{key}"

    def _legacy(self, key: str) -> str:
        """The key releases before the versions kept the state under (a bare JSON value). During a rolling
        upgrade a process of such a release still reads and writes it: every write here drops it (it can
        only be stale), and a read that finds it goes to the database (that process committed a state
        without a version, which the versioned key does not know of). Contract (a later release): neither."""
        return self.prefix + key

    async def load(self, key: str) -> dict[str, Any] | None:
        """Return the state: this unit's own unsaved change first, then Redis, then the database."""
        pending = self._pending.get(key)
        if pending is not None:
            state = pending[1]
            return json.loads(json.dumps(state)) if state is not None else None
        if not self.reads:
            return await self.sql.load(key)
        nothing: list[bytes | str | None] = [None, None]
        cached, legacy = await self.guard.run(lambda r: r.mget(self._key(key), self._legacy(key)), nothing)
        if cached is not None and legacy is None:
            _, _, value = (cached.decode() if isinstance(cached, bytes) else str(cached)).partition("|")
            if value.startswith(_STATE):
                data: dict[str, Any] = json.loads(value[1:])
                return data
            if value == _CLEARED:
                return None
        return await self.sql.load(key)

    async def save(self, key: str, state: dict[str, Any], at: datetime) -> None:
        """Write the state to SQL now and to Redis after the commit."""
        version = await self.sql.save_versioned(key, state, at)
        # As the SQL row keeps it (`json_safe`: ISO timestamps), so a read is the same from either store.
        self._pending[key] = (version, json_safe(state))

    async def clear(self, key: str) -> None:
        """Forget the state in SQL now and in Redis after the commit."""
        self._pending[key] = (await self.sql.clear_versioned(key), None)

    async def _mirror(self, values: list[tuple[str, int, str]]) -> None:
        if not values:
            return
        keys: list[str] = []
        args: list[Any] = [self.ttl_s]
        for key, version, value in values:
            keys += [self._key(key), self._legacy(key)]
            args += [version, value]
        await self.guard.run(lambda r: self._script(keys=keys, args=args, client=r), 0)

    async def before_commit(self) -> None:
        """Fence the keys this unit changed with their new versions, before the database commits.

        When Redis is away the keys stay; the guard drops every key before Redis is read again.
        """
        await self._mirror([(k, v, _FENCE) for k, (v, _) in self._pending.items() if v is not None])

    async def after_commit(self) -> None:
        """Mirror the committed changes to Redis; a failure only costs cache hits."""
        pending, self._pending = self._pending, {}
        if not pending or not self.guard.up or not self.reads:
            return  # fence-only: the fences stay until a mirroring process writes a newer version
        await self._mirror(
            [
                (k, v, _STATE + json.dumps(state) if state is not None else _CLEARED)
                for k, (v, state) in pending.items()
                if v is not None
            ]
        )

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
