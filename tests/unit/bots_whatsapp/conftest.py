"""Fixtures: the fake Graph API, a WhatsApp channel against it, and its webhook served over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiohttp import web

from bots.whatsapp import MemoryServiceWindowStore, WhatsAppChannel
from tests.fakes.whatsapp_api import DEFAULT_APP_SECRET, FakeGraphAPI
from tests.support.telegram_fixtures import Inbox, inbox, no_leftover_tasks, serve

__all__ = ["CLIENT", "PATH", "VERIFY_TOKEN", "Hooked", "Inbox", "inbox", "no_leftover_tasks", "open_window"]

VERIFY_TOKEN = "verify-me-please"
PATH = "/webhook/whatsapp"
CLIENT = "79161234567"


@dataclass
class Hooked:
    """A channel whose webhook is served at `url`."""

    channel: WhatsAppChannel
    url: str
    window: MemoryServiceWindowStore


@pytest.fixture
async def api() -> AsyncIterator[FakeGraphAPI]:
    async with FakeGraphAPI() as fake:
        yield fake


ChannelFactory = Callable[..., Awaitable[Hooked]]


@pytest.fixture
async def make_channel(api: FakeGraphAPI, inbox: Inbox) -> AsyncIterator[ChannelFactory]:
    """Build channels against the fake, each with its webhook served on a free port; all closed afterwards."""
    made: list[tuple[WhatsAppChannel, web.AppRunner]] = []

    async def make(**kwargs: object) -> Hooked:
        window = MemoryServiceWindowStore()
        options: dict[str, object] = {
            "phone_number_id": api.phone_number_id,
            "access_token": api.access_token,
            "app_secret": DEFAULT_APP_SECRET,
            "verify_token": VERIFY_TOKEN,
            "api_base": api.base_url,
            "window": window,
            "rate": None,
        }
        options.update(kwargs)
        on_inbound = options.pop("on_inbound", inbox)
        channel = WhatsAppChannel(on_inbound, **options)  # type: ignore[arg-type]
        app = web.Application()
        channel.add_routes(app, PATH)
        runner, url = await serve(app, PATH)
        made.append((channel, runner))
        store = options["window"]
        assert isinstance(store, MemoryServiceWindowStore)
        return Hooked(channel, url, store)

    yield make
    for channel, runner in made:
        await channel.close()
        await runner.cleanup()


@pytest.fixture
async def hooked(make_channel: ChannelFactory) -> Hooked:
    return await make_channel()


async def open_window(hooked: Hooked, api: FakeGraphAPI, wa_id: str = CLIENT) -> None:
    """Make `wa_id` have written just now, as both the adapter and the fake see it."""
    await hooked.window.record_inbound(wa_id, datetime.now(UTC))
    api.open_window(wa_id)
