"""Fixtures the channel adapter tests share: an inbox for what a channel hands over, a check that no
background task outlives its test, and Telegram channels built against the fake Bot API.

A conftest imports the fixtures it wants (`from tests.support.telegram_fixtures import inbox, ...`) and,
for `make_channel`, defines `channel_class`: the adapter class to build. The contract suite overrides
`channel_class` with one parametrized over both Telegram adapters.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from bots.telegram_common import TelegramLimits
from dialogue.messages import Bot, Inbound
from tests.fakes.telegram_api import FakeTelegramAPI

ChannelFactory = Callable[..., Awaitable[Any]]


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
    """Fail a test that leaves background tasks running (polling, chat queues, webhook deliveries)."""
    yield
    await asyncio.sleep(0)
    current = asyncio.current_task()
    leftover = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not leftover, f"tasks left running: {leftover}"


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
async def api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        yield fake


@pytest.fixture
async def make_channel(
    api: FakeTelegramAPI, inbox: Inbox, channel_class: type
) -> AsyncIterator[ChannelFactory]:
    """Build channels of `channel_class` against the fake (no rate limits unless given); all stopped after."""
    made: list[Any] = []

    async def make(**kwargs: object) -> Any:
        options: dict[str, object] = {
            "api_base": api.base_url,
            "limits": TelegramLimits.none(),
            "polling_timeout": 1,
        }
        options.update(kwargs)
        bot_kind = options.pop("bot_kind", Bot.CLIENT)
        token = options.pop("token", api.default_token)
        on_inbound = options.pop("on_inbound", inbox)
        channel = channel_class(bot_kind, token, on_inbound, **options)
        made.append(channel)
        return channel

    yield make
    for channel in made:
        await channel.stop()


async def serve(app: web.Application, path: str) -> tuple[web.AppRunner, str]:
    """Serve `app` on a free local port; return its runner (clean it up) and the URL of `path`."""
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}{path}"
