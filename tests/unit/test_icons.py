"""The site icon is served (browsers ask for /favicon.ico on their own; a 404 there was a new user's stumble)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from bots.webchat.pages import ChatPages
from dialogue.messages import Bot
from helpdesk.icons import add_icon_routes


async def test_both_icons_are_served_and_the_pages_link_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = web.Application()
    add_icon_routes(app)
    async with TestClient(TestServer(app)) as client:
        ico = await client.get("/favicon.ico")
        assert ico.status == 200 and ico.content_type == "image/x-icon"
        (tmp_path / "icon.ico").write_bytes(await ico.read())
        assert Image.open(tmp_path / "icon.ico").format == "ICO"
        svg = await client.get("/favicon.svg")
        assert svg.status == 200 and svg.content_type == "image/svg+xml"
        assert (await svg.text()).startswith("<svg")
    page = ChatPages(poll_timeout_s=25, max_upload_bytes=1024).render(Bot.CLIENT, demo=True)
    assert '<link rel="icon" href="/favicon.svg"' in page
