"""The aiohttp endpoints Meta calls: the GET verification handshake and signed POSTs of updates."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bots.whatsapp.signature import SIGNATURE_HEADER, is_valid

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_verify_handler(verify_token: str) -> Handler:
    """Return the GET handler: echo `hub.challenge` when `hub.verify_token` is ours, else 403."""
    expected = verify_token.encode()

    async def verify(request: web.Request) -> web.Response:
        query = request.query
        given = query.get("hub.verify_token", "").encode()
        challenge = query.get("hub.challenge")
        if query.get("hub.mode") == "subscribe" and challenge and hmac.compare_digest(given, expected):
            log.info("WhatsApp webhook %s verified by Meta", request.path)
            return web.Response(text=challenge, content_type="text/plain")
        log.warning("WhatsApp webhook %s: verification refused (mode or verify token wrong)", request.path)
        return web.Response(
            status=403, text="verification failed: check the verify token set in the Meta app dashboard"
        )

    return verify


def make_receive_handler(app_secret: str, accept: Callable[[Any], bool]) -> Handler:
    """Return the POST handler: 401 unless the body is signed with `app_secret`, then hand it to `accept`.

    `accept` must only queue work and return at once (False when the channel is closing: 503, so Meta
    delivers again later). A signed body that is not JSON or makes `accept` fail still gets 200, because
    Meta re-sends anything else for days and the same body would fail the same way.
    """

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        if not is_valid(raw, request.headers.get(SIGNATURE_HEADER), app_secret):
            log.warning(
                "WhatsApp webhook %s: wrong or missing signature from %s", request.path, request.remote
            )
            return web.json_response({"error": "wrong or missing X-Hub-Signature-256"}, status=401)
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.error("WhatsApp webhook %s: signed body is not JSON; dropped", request.path)
            return web.json_response({"ok": True})
        try:
            if not accept(body):
                return web.json_response({"error": "shutting down, deliver again later"}, status=503)
        except Exception:
            log.exception("WhatsApp webhook %s: update could not be handled; dropped", request.path)
        return web.json_response({"ok": True})

    return receive
