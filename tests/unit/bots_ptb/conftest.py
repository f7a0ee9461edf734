"""Fixtures for the python-telegram-bot adapter: the fake Bot API and channels built against it.

`make_channel` builds whichever class the `channel_class` fixture names: PtbTelegramChannel here, and
both adapters in test_conformance.py, which overrides `channel_class` with a parametrized one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bots.telegram import TelegramLimits
from bots.telegram_ptb import PtbTelegramChannel
from dialogue.messages import Bot
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.unit.bots.conftest import Inbox

ChannelFactory = Callable[..., Awaitable[Any]]


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


@pytest.fixture
def channel_class() -> type:
    return PtbTelegramChannel


@pytest.fixture
async def make_channel(
    api: FakeTelegramAPI, inbox: Inbox, channel_class: type
) -> AsyncIterator[ChannelFactory]:
    """Build channels against the fake (no rate limits unless given); all are stopped afterwards."""
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
