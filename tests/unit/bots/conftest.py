"""The fake Bot API and a Telegram channel on the real aiogram stack, talking over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bots.telegram import TelegramChannel, TelegramLimits
from dialogue.messages import Bot, Inbound
from tests.fakes.telegram_api import FakeTelegramAPI


class Inbox:
    """Collects what the channel hands to the app; `wait(n)` waits until n have arrived."""

    def __init__(self) -> None:
        self.items: list[Inbound] = []
        self._arrived = asyncio.Event()

    async def __call__(self, inbound: Inbound) -> None:
        self.items.append(inbound)
        self._arrived.set()

    async def wait(self, count: int, within_s: float = 5.0) -> list[Inbound]:
        async with asyncio.timeout(within_s):
            while len(self.items) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.items


@pytest.fixture(autouse=True)
async def no_leftover_tasks() -> AsyncIterator[None]:
    """Fail a test that leaves background tasks running (polling, queues, webhook deliveries)."""
    yield
    await asyncio.sleep(0)
    current = asyncio.current_task()
    leftover = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not leftover, f"tasks left running: {leftover}"


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


ChannelFactory = Callable[..., Awaitable[TelegramChannel]]


@pytest.fixture
async def make_channel(api: FakeTelegramAPI, inbox: Inbox) -> AsyncIterator[ChannelFactory]:
    """Build channels against the fake (no rate limits unless given); all are stopped afterwards."""
    made: list[TelegramChannel] = []

    async def make(**kwargs: object) -> TelegramChannel:
        options: dict[str, object] = {
            "api_base": api.base_url,
            "limits": TelegramLimits.none(),
            "polling_timeout": 1,
        }
        options.update(kwargs)
        bot_kind = options.pop("bot_kind", Bot.CLIENT)
        token = options.pop("token", api.default_token)
        on_inbound = options.pop("on_inbound", inbox)
        channel = TelegramChannel(bot_kind, token, on_inbound, **options)  # type: ignore[arg-type]
        made.append(channel)
        return channel

    yield make
    for channel in made:
        await channel.stop()
