"""The per-token rate limiter on a fake clock."""

from __future__ import annotations

import pytest

from helpdesk.api.ratelimit import ApiRateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_steady_rate() -> None:
    clock = Clock()
    limiter = ApiRateLimit(20, 40, clock=clock)
    assert [limiter.take("a") for _ in range(40)] == [0.0] * 40
    wait = limiter.take("a")
    assert wait == pytest.approx(1 / 20)
    clock.now += 0.06  # a little more than one request's worth refilled
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0
    clock.now += 10  # refills up to the burst, never beyond
    assert sum(limiter.take("a") == 0.0 for _ in range(60)) == 40


def test_keys_are_independent() -> None:
    clock = Clock()
    limiter = ApiRateLimit(1, 2, clock=clock)
    assert limiter.take("a") == limiter.take("a") == 0.0
    assert limiter.take("a") > 0
    assert limiter.take("b") == 0.0


def test_refused_requests_do_not_spend_tokens() -> None:
    clock = Clock()
    limiter = ApiRateLimit(1, 1, clock=clock)
    assert limiter.take("a") == 0.0
    for _ in range(10):
        assert limiter.take("a") == pytest.approx(1.0)
    clock.now += 1.0
    assert limiter.take("a") == 0.0


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert ApiRateLimit.retry_after_header(0.01) == "1"
    assert ApiRateLimit.retry_after_header(1.2) == "2"


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError):
        ApiRateLimit(0, 10)
    with pytest.raises(ValueError):
        ApiRateLimit(1, 0)
