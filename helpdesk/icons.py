"""The site icon: /favicon.ico (what browsers ask for on their own) and /favicon.svg (what the pages link)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent / "static"
ICONS = {"/favicon.ico": ("favicon.ico", "image/x-icon"), "/favicon.svg": ("favicon.svg", "image/svg+xml")}
CACHE = "public, max-age=86400"


def add_icon_routes(app: web.Application) -> None:
    """Serve the icons from memory, cached by browsers for a day."""
    for path, (name, content_type) in ICONS.items():
        body = (STATIC / name).read_bytes()

        async def icon(
            _request: web.Request, body: bytes = body, content_type: str = content_type
        ) -> web.Response:
            return web.Response(body=body, content_type=content_type, headers={"Cache-Control": CACHE})

        app.router.add_get(path, icon)
