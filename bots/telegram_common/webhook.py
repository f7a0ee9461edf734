"""The aiohttp endpoint Telegram posts updates to, guarded by the secret-token header."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bots.json_body import read_json
from dialogue.messages import InboundNotRecorded
from dialogue.safe_input import JsonInputError

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def derive_secret(token: str) -> str:
    """Return a webhook secret derived from the bot token (stable across processes, unguessable without it).

    Used when no secret is configured, so webhook mode is never left unguarded. Telegram allows
    1-256 characters of A-Z, a-z, 0-9, _ and -; a hex digest qualifies.
    """
    return hmac.new(token.encode(), b"helpdesk-telegram-webhook", hashlib.sha256).hexdigest()


def secret_matches(given: str, expected: str) -> bool:
    """Tell whether the secret-token header matches, in constant time (any header text, ASCII or not)."""
    return hmac.compare_digest(given.encode(), expected.encode())


async def feed_request(
    request: web.Request, feed: Callable[[dict[str, Any]], Awaitable[None]]
) -> web.Response:
    """Read the JSON update of a post whose secret was checked, feed it to `feed` and answer.

    400 for a body that is not a JSON update (`feed` raises ValueError for one it cannot read), 503 when the
    app could not record it (`feed` raises `InboundNotRecorded`; Telegram sends it again), and 200 once it
    is recorded.
    """
    try:
        update = await read_json(request)
    except JsonInputError as e:
        return web.json_response(
            {"ok": False, "description": f"body must be a JSON update: {e}"}, status=e.status
        )
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return web.json_response(
            {"ok": False, "description": "an update needs an integer update_id"}, status=400
        )
    try:
        await feed(update)
    except InboundNotRecorded:
        log.warning("Telegram webhook %s: update not recorded; Telegram will send it again", request.path)
        return web.json_response(
            {"ok": False, "description": "could not record the update, send it again"}, status=503
        )
    except ValueError as e:
        log.warning("Telegram webhook %s: malformed update: %s", request.path, e)
        return web.json_response({"ok": False, "description": "malformed update"}, status=400)
    return web.json_response({"ok": True})


def make_webhook_handler(
    secret: str, feed: Callable[[dict[str, Any]], Awaitable[None]]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Return an aiohttp handler that checks the secret header and then answers as `feed_request` does.

    A wrong or missing secret gets 401 and nothing is handled. The python-telegram-bot adapter serves this
    one; the aiogram adapter serves aiogram's own request handler (`bots.telegram.webhook`) with the same
    check and the same answers.
    """

    async def handle(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER, ""), secret):
            log.warning(
                "Telegram webhook %s: wrong or missing secret token from %s", request.path, request.remote
            )
            return web.json_response(
                {"ok": False, "description": "wrong or missing secret token"}, status=401
            )
        return await feed_request(request, feed)

    return handle
