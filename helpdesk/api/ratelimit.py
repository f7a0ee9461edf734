"""Requests per API token: a steady rate with a burst allowance, kept in the app's one rate limiter
(`bots.ratelimit`, keyed GCRA buckets, in memory and per process: several web processes each enforce
their own share)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from bots.ratelimit import Rate, RateLimiter


class ApiRateLimit:
    """Allows `rate` requests per second per key, with bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self._limit = Rate(1, 1.0 / self.rate, int(burst))
        self._buckets = RateLimiter(clock=clock)

    def take(self, key: str) -> float:
        """Spend one request of `key`; return 0 when allowed, else the seconds to wait before retrying."""
        return self._buckets.take((key, self._limit))

    @staticmethod
    def retry_after_header(wait_s: float) -> str:
        """The Retry-After value (whole seconds, at least 1) for a wait."""
        return str(max(1, math.ceil(wait_s)))
