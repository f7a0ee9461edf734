"""Fixtures: the fake Graph API, a WhatsApp channel against it, and its webhook served over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiohttp import web

from bots.whatsapp import MemoryServiceWindowStore, WhatsAppChannel
from dialogue.messages import Inbound
from tests.fakes.whatsapp_api import DEFAULT_APP_SECRET, FakeGraphAPI

VERIFY_TOKEN = "verify-me-please"
PATH = "/webhook/whatsapp"
CLIENT = "79161234567"


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


@dataclass
class Hooked:
    """A channel whose webhook is served at `url`."""

    channel: WhatsAppChannel
    url: str
    window: MemoryServiceWindowStore


@pytest.fixture(autouse=True)
async def no_leftover_tasks() -> AsyncIterator[None]:
    """Fail a test that leaves background tasks running (chat queues, read receipts)."""
    yield
    await asyncio.sleep(0)
    current = asyncio.current_task()
    leftover = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not leftover, f"tasks left running: {leftover}"


@pytest.fixture
async def api() -> AsyncIterator[FakeGraphAPI]:
    async with FakeGraphAPI() as fake:
        yield fake


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


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
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        made.append((channel, runner))
        port = runner.addresses[0][1]
        store = options["window"]
        assert isinstance(store, MemoryServiceWindowStore)
        return Hooked(channel, f"http://127.0.0.1:{port}{PATH}", store)

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
