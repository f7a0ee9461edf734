"""The aiohttp endpoints Meta calls: the GET verification handshake and signed POSTs of updates."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bots.json_body import read_body
from bots.whatsapp.signature import SIGNATURE_HEADER, is_valid
from dialogue.messages import InboundNotRecorded
from dialogue.safe_input import JsonInputError, decode_json

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


def make_receive_handler(app_secret: str, accept: Callable[[Any], Awaitable[bool]]) -> Handler:
    """Return the POST handler: 401 unless the body is signed with `app_secret`, then hand it to `accept`.

    `accept` records the messages durably and returns (False when the channel is closing: 503, so Meta
    delivers again later); when it raises `InboundNotRecorded` the answer is 503 too. A signed body that
    is not JSON or makes `accept` fail otherwise still gets 200, because Meta re-sends anything else for
    days and the same body would fail the same way.
    """

    async def receive(request: web.Request) -> web.Response:
        try:
            raw = await read_body(request)
        except JsonInputError as e:
            return web.json_response({"error": str(e)}, status=e.status)
        if not is_valid(raw, request.headers.get(SIGNATURE_HEADER), app_secret):
            log.warning(
                "WhatsApp webhook %s: wrong or missing signature from %s", request.path, request.remote
            )
            return web.json_response({"error": "wrong or missing X-Hub-Signature-256"}, status=401)
        try:
            body = decode_json(raw, charset=request.charset)
        except JsonInputError as e:
            log.error(
                "WhatsApp webhook %s: signed body is not acceptable JSON (%s); dropped", request.path, e
            )
            return web.json_response({"ok": True})
        try:
            if not await accept(body):
                return web.json_response({"error": "shutting down, deliver again later"}, status=503)
        except InboundNotRecorded:
            log.warning("WhatsApp webhook %s: messages not recorded; Meta will deliver again", request.path)
            return web.json_response(
                {"error": "could not record the update, deliver again later"}, status=503
            )
        except Exception:
            log.exception("WhatsApp webhook %s: update could not be handled; dropped", request.path)
        return web.json_response({"ok": True})

    return receive
