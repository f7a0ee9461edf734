"""A small async rate limiter for platform send limits: it delays a send until every limit allows it.

Each limit is a keyed bucket run by the generic cell rate algorithm (GCRA): a `Rate` of `count` sends per
`per` seconds spaces sends `per / count` seconds apart and lets up to `burst` of them through at once.
A send may need several buckets at the same time (one chat and the whole bot); it takes a slot in all of
them only when all allow it, so a slow chat never holds back the others. Nothing is ever dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

# Idle buckets are forgotten once there are more than this many; an idle bucket is the same as a new one.
PRUNE_ABOVE = 10_000


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `count` sends per `per` seconds, with bursts of up to `burst` sends (default: no burst)."""

    count: int
    per: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or self.per <= 0 or self.burst < 1:
            raise ValueError(f"a rate needs count >= 1, per > 0 and burst >= 1, got {self!r}")

    @property
    def interval(self) -> float:
        """Seconds between sends at the steady rate."""
        return self.per / self.count

    @property
    def tolerance(self) -> float:
        """How far ahead of the steady schedule a burst may run, in seconds."""
        return self.interval * (self.burst - 1)


class RateLimiter:
    """Keyed GCRA buckets shared by all senders of one channel; `acquire` waits for a free slot.

    Args:
        clock: a monotonic clock in seconds (injectable for tests).
        sleep: how to wait (injectable for tests).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        # key -> theoretical arrival time of the next send at the steady rate
        self._tat: dict[Hashable, float] = {}

    def delay(self, *limits: tuple[Hashable, Rate]) -> float:
        """Return how many seconds a send under these limits would have to wait now (0 when it may go)."""
        now = self._clock()
        return max((self._wait(key, rate, now) for key, rate in limits), default=0.0)

    async def acquire(self, *limits: tuple[Hashable, Rate]) -> float:
        """Wait until every (key, rate) limit allows one more send, take the slot, return seconds waited."""
        started = self._clock()
        while (wait := self.take(*limits)) > 0:
            await self._sleep(wait)
        return self._clock() - started

    def take(self, *limits: tuple[Hashable, Rate]) -> float:
        """Take a slot in every (key, rate) limit now when all allow it and return 0; else take nothing and
        return the seconds until they would (a request refused with Retry-After spends nothing)."""
        now = self._clock()
        wait = max((self._wait(key, rate, now) for key, rate in limits), default=0.0)
        if wait > 0:
            return wait
        # Check and take happen with no await in between, so concurrent callers cannot overbook.
        for key, rate in limits:
            self._tat[key] = max(self._tat.get(key, now), now) + rate.interval
        self._prune(now)
        return 0.0

    def _wait(self, key: Hashable, rate: Rate, now: float) -> float:
        tat = self._tat.get(key)
        if tat is None:
            return 0.0
        # A schedule built by adding intervals drifts by a few ulps: a wait below a nanosecond is none.
        wait = tat - rate.tolerance - now
        return wait if wait > 1e-9 else 0.0

    def _prune(self, now: float) -> None:
        if len(self._tat) <= PRUNE_ABOVE:
            return
        self._tat = {key: tat for key, tat in self._tat.items() if tat > now}
