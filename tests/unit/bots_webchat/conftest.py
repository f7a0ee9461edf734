"""A web chat channel on aiohttp's test server, with a recording `on_inbound`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bots.webchat import MemoryWebChatHistory, WebChatChannel
from dialogue.messages import Bot, Inbound

MAX_UPLOAD = 4096


@dataclass
class Harness:
    """The client, the channel under test and what reached the app."""

    client: TestClient
    channel: WebChatChannel
    app: web.Application
    history: MemoryWebChatHistory
    upload_dir: Path
    received: list[Inbound] = field(default_factory=list)
    # Set by a test to make the app fail or go slow.
    behaviour: Callable[[Inbound], Awaitable[None]] | None = None


async def _identities(bot: Bot) -> list[dict[str, str]]:
    if bot is Bot.STAFF:
        return [
            {"id": "eng-1", "label": "Ivan Petrov (engineer)"},
            {"id": "bad id with spaces", "label": "never shown"},
            {"id": "eng-2"},
        ]
    return [{"id": "contact-7", "label": "Olga - Romashka LLC"}]


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    """Serve a fresh channel in demo mode for one test."""
    holder: list[Harness] = []

    async def on_inbound(inbound: Inbound) -> None:
        h = holder[0]
        h.received.append(inbound)
        if h.behaviour is not None:
            await h.behaviour(inbound)

    history = MemoryWebChatHistory(per_chat=50)
    upload_dir = tmp_path / "uploads"
    channel = WebChatChannel(
        on_inbound,
        history=history,
        identities=_identities,
        demo=True,  # these tests name the chat in each request, as the demo picker does
        upload_dir=upload_dir,
        max_upload_bytes=MAX_UPLOAD,
        poll_timeout_s=3.0,
    )
    app = web.Application()
    channel.add_routes(app)
    async with TestClient(TestServer(app)) as client:
        h = Harness(client, channel, app, history, upload_dir)
        holder.append(h)
        yield h
