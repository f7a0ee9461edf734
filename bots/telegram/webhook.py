"""aiogram's webhook request handler for one bot, with its secret-token check, answering as the app needs.

`SimpleRequestHandler` checks `X-Telegram-Bot-Api-Secret-Token` (`verify_secret`, in constant time) and
answers 401 without it; so does the python-telegram-bot adapter's handler (`bots.telegram_common.webhook`). What it does after that does not fit a help desk: it answers 200 whatever happened (or 500 for a body
that is not JSON), while Telegram must re-send an update the app could not record (503) and a malformed one
gets 400. So the request is handled, once the secret matched, by `feed_request`, the same code that serves
the python-telegram-bot adapter's webhook.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot as AiogramBot
from aiogram import Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bots.telegram_common.webhook import feed_request

log = logging.getLogger(__name__)


class WebhookHandler(SimpleRequestHandler):
    """aiogram's handler for one bot; the update goes to `feed` (the channel's `feed_webhook_update`)."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: AiogramBot,
        secret: str,
        feed: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        if not secret:
            raise ValueError("a Telegram webhook needs a secret token")  # aiogram would let anyone in
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret)
        self._feed = feed

    def verify_secret(self, telegram_secret_token: str, bot: AiogramBot) -> bool:
        """aiogram's check (`handle` answers 401 "Unauthorized" when it fails), safe for a header that is not
        ASCII, where `secrets.compare_digest` would raise."""
        if telegram_secret_token.isascii() and super().verify_secret(telegram_secret_token, bot):
            return True
        log.warning("Telegram webhook of bot %s: wrong or missing secret token", bot.id)
        return False

    async def _handle_request(self, bot: AiogramBot, request: web.Request) -> web.Response:
        return await feed_request(request, self._feed)

    async def close(self) -> None:
        """Nothing: the channel's `stop()` closes the bot's session, after the last reply is sent."""
