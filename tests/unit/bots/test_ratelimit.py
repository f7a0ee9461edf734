"""The shared send rate limiter: spacing, bursts, independent keys, and the Telegram sender using it."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bots.ratelimit import Rate, RateLimiter
from bots.telegram_common import TelegramLimits
from dialogue.messages import Bot, Channel, Outbound
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram_fixtures import ChannelFactory


class FakeTime:
    """A clock that moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(fake: FakeTime) -> RateLimiter:
    return RateLimiter(clock=fake.clock, sleep=fake.sleep)


async def test_one_chat_is_spaced_at_the_rate() -> None:
    fake = FakeTime()
    limits = limiter(fake)
    rate = Rate(1, 1.0)

    times = []
    for _ in range(4):
        await limits.acquire(("chat", rate))
        times.append(fake.now)

    assert times == [0.0, 1.0, 2.0, 3.0]


async def test_burst_passes_at_once_then_steady_rate() -> None:
    fake = FakeTime()
    limits = limiter(fake)
    rate = Rate(1, 1.0, burst=3)

    times = []
    for _ in range(5):
        await limits.acquire(("chat", rate))
        times.append(fake.now)

    assert times == [0.0, 0.0, 0.0, 1.0, 2.0]


async def test_other_keys_are_not_held_up() -> None:
    fake = FakeTime()
    limits = limiter(fake)
    rate = Rate(1, 1.0)
    await limits.acquire(("a", rate))

    assert limits.delay(("a", rate)) == 1.0
    assert limits.delay(("b", rate)) == 0.0
    assert await limits.acquire(("b", rate)) == 0.0


async def test_a_send_needs_every_limit() -> None:
    fake = FakeTime()
    limits = limiter(fake)
    overall = Rate(2, 1.0, burst=2)
    per_chat = Rate(10, 1.0, burst=10)

    for chat in ("a", "b", "c", "d"):
        await limits.acquire(("*", overall), (chat, per_chat))

    # four different chats, but the bot may send only two a second overall
    assert fake.now == pytest.approx(1.0)


async def test_group_rate_twenty_a_minute() -> None:
    fake = FakeTime()
    limits = limiter(fake)
    group = TelegramLimits().group_chat
    assert group is not None

    for _ in range(23):
        await limits.acquire(("g", group))

    # a burst of three, then one every three seconds
    assert fake.now == pytest.approx(20 * 3.0)


@given(
    count=st.integers(1, 5),
    per=st.floats(0.1, 10),
    burst=st.integers(1, 4),
    sends=st.integers(1, 30),
)
def test_never_more_than_allowed_in_any_window(count: int, per: float, burst: int, sends: int) -> None:
    fake = FakeTime()
    limits = limiter(fake)
    rate = Rate(count, per, burst)

    async def run() -> list[float]:
        stamps = []
        for _ in range(sends):
            await limits.acquire(("k", rate))
            stamps.append(fake.now)
        return stamps

    stamps = asyncio.run(run())
    # Over any stretch of time T at most burst + T / interval sends happen.
    for i, start in enumerate(stamps):
        for j in range(i, len(stamps)):
            span = stamps[j] - start
            assert j - i + 1 <= burst + span / rate.interval + 1e-6


def test_bad_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="count >= 1"):
        Rate(0, 1.0)


async def test_channel_spaces_messages_to_one_chat_but_not_to_others(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    limits = TelegramLimits(private_chat=Rate(1, 0.2), group_chat=None, overall=None)
    channel = await make_channel(limits=limits)

    def message(chat: str, text: str) -> Outbound:
        return Outbound(Channel.TELEGRAM, Bot.CLIENT, chat, text)

    started = time.monotonic()
    await asyncio.gather(
        *(channel.send(message("42", f"n{i}")) for i in range(3)), channel.send(message("43", "x"))
    )
    elapsed = time.monotonic() - started

    to_42 = [c.at for c in api.calls_to("sendMessage") if c.params["chat_id"] == 42]
    [to_43] = [c.at for c in api.calls_to("sendMessage") if c.params["chat_id"] == 43]
    assert sorted(api.sent_texts(42)) == ["n0", "n1", "n2"]
    assert all(later - earlier >= 0.19 for earlier, later in itertools.pairwise(to_42))
    assert to_43 - started < 0.15, "another chat must not wait for chat 42"
    assert elapsed < 1.5
