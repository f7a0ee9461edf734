"""The model cache a cluster's processes share through Redis, and what it costs when Redis is away."""

from __future__ import annotations

import logging
import socket
import time
import uuid

import pytest
from redis import Redis

from storage.shared_cache import PREFIX, RedisSharedCache
from tests.integration.conftest import REDIS_URL

pytestmark = pytest.mark.redis


def test_what_one_process_keeps_another_reads() -> None:
    key = f"test:{uuid.uuid4().hex}"
    one, other = RedisSharedCache.from_url(REDIS_URL), RedisSharedCache.from_url(REDIS_URL)
    try:
        assert other.get_many([key]) == [None]
        one.put_many({key: b"\x00\x01vector"})
        assert other.get_many([key, key + "-missing"]) == [b"\x00\x01vector", None]
        ttl = Redis.from_url(REDIS_URL).ttl(PREFIX + key)
        assert 0 < ttl <= one.ttl_s  # kept for a while, not for ever
    finally:
        Redis.from_url(REDIS_URL).delete(PREFIX + key)
        one.close()
        other.close()


def test_a_redis_that_is_away_answers_nothing_found_fast_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cache = RedisSharedCache.from_url(f"redis://127.0.0.1:{port}/0")
    caplog.set_level(logging.WARNING, logger="storage.shared_cache")
    began = time.monotonic()
    for _ in range(50):
        assert cache.get_many(["a", "b"]) == [None, None]
        cache.put_many({"a": b"1"})
    # One failed connection, then the cool-off: the process computes for itself without waiting on Redis.
    assert time.monotonic() - began < 1.0
    assert cache.errors == 1
    assert len([r for r in caplog.records if "does not answer" in r.getMessage()]) == 1
    cache.close()
