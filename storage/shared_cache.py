"""A cache of model results the processes of a cluster share through Redis: parses and query vectors.

Each process keeps its own in-memory caches (the NLU's parses, the KB's query vectors); behind them this one
holds what any process computed, so that a question three web processes receive is embedded once between
them, not three times. It is a helper and never a single point of failure: a value that cannot be read is
computed by the process itself, a value that cannot be written is only not shared, and after a Redis error
the cache is not asked again for `cooloff_s` (logged once), so a Redis that is down or hangs costs at most
one short timeout per cool-off, never a turn's time.

The calls block (redis-py's client, thread-safe): they are made on the model threads that would otherwise
embed, never on the event loop. Keys say the model and its version (`nlu.embedded`, `kb_search.embedder`),
so a new model never reads an old model's results; values expire after `ttl_s`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PREFIX = "helpdesk:model:"
TTL_S = 7 * 24 * 3600
TIMEOUT_S = 0.1


class RedisSharedCache:
    """Blocking get/put of bytes under `PREFIX` in Redis, which answers "not found" while Redis is away."""

    def __init__(
        self,
        redis: Redis,
        *,
        ttl_s: int = TTL_S,
        cooloff_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis = redis
        self.ttl_s = ttl_s
        self.cooloff_s = cooloff_s
        self.clock = clock
        self._retry_at = 0.0
        self._lock = threading.Lock()
        self.errors = 0

    @classmethod
    def from_url(cls, url: str) -> RedisSharedCache:
        """A cache on the Redis at `url`, with timeouts short enough for a turn (0.1 s)."""
        return cls(Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S))

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The values of `keys`, None where there is none or Redis does not answer."""
        if not keys or not self._usable():
            return [None] * len(keys)
        try:
            values = self.redis.mget([PREFIX + key for key in keys])
        except RedisError as e:
            self._failed(e)
            return [None] * len(keys)
        return [value if isinstance(value, bytes) else None for value in values]

    def put_many(self, items: Mapping[str, bytes]) -> None:
        """Keep these values for `ttl_s` (nothing, while Redis does not answer)."""
        if not items or not self._usable():
            return
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(PREFIX + key, value, ex=self.ttl_s)
                pipe.execute()
        except RedisError as e:
            self._failed(e)

    def close(self) -> None:
        """Release the connections."""
        self.redis.close()

    def _usable(self) -> bool:
        return self.clock() >= self._retry_at

    def _failed(self, error: RedisError) -> None:
        with self._lock:
            self.errors += 1
            first = self._retry_at <= self.clock()
            self._retry_at = self.clock() + self.cooloff_s
        if first:
            log.warning(
                "the shared model cache (Redis) does not answer, computing locally for %.0f s: %s",
                self.cooloff_s,
                error,
            )
