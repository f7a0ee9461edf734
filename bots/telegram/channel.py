"""`TelegramChannel`: one Telegram bot (client or staff) on aiogram 3, by long polling or by webhook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot as AiogramBot
from aiogram import Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiogram.methods import DeleteWebhook, SetMyCommands, SetWebhook
from aiogram.types import BotCommand, Update
from aiohttp import web

from bots.ratelimit import RateLimiter
from bots.telegram.handlers import build_router
from bots.telegram.ordering import ChatQueues
from bots.telegram.sender import TelegramLimits, TelegramSender
from bots.telegram.webhook import derive_secret, make_webhook_handler
from dialogue.messages import Bot, Inbound, Outbound

log = logging.getLogger(__name__)

SEEN_UPDATES = 4096  # update ids remembered to drop a repeat (Telegram re-sends after a slow webhook answer)
DRAIN_TIMEOUT_S = 10.0  # how long stop() lets queued messages finish
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


class TelegramSetupError(RuntimeError):
    """The bot cannot start: the token was rejected, or Telegram refused the webhook."""


class TelegramChannel:
    """The Telegram adapter for ONE bot: converts updates to `Inbound`, sends `Outbound`.

    Args:
        bot_kind: which of our bots this is (client or staff).
        token: the bot token from @BotFather.
        on_inbound: called once per message or button press; its result is ignored and its errors are
            logged (replies are the engine's business, they come back through `send`).
        api_base: Bot API base URL, e.g. a local `telegram-bot-api` server or a test fake; None is
            api.telegram.org.
        webhook_secret: the secret Telegram must echo in `X-Telegram-Bot-Api-Secret-Token`; when None a
            secret is derived from the token, so a webhook is never unguarded.
        limits: send rate limits (`TelegramLimits.none()` switches them off).
        polling_timeout: seconds a getUpdates long poll may wait.
    """

    def __init__(
        self,
        bot_kind: Bot,
        token: str,
        on_inbound: Callable[[Inbound], Awaitable[object]],
        *,
        api_base: str | None = None,
        webhook_secret: str | None = None,
        limits: TelegramLimits | None = None,
        limiter: RateLimiter | None = None,
        polling_timeout: int = 30,
    ) -> None:
        self.bot_kind = Bot(bot_kind)
        self._on_inbound = on_inbound
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
        # aiogram checks the token's shape here and raises TokenValidationError (a ValueError) if it is off.
        self.bot = AiogramBot(token, session=session)
        self.webhook_secret = webhook_secret or derive_secret(token)
        self.dispatcher = Dispatcher()
        self.dispatcher.include_router(build_router(self.bot_kind, self._accept))
        self.sender = TelegramSender(self.bot, limits or TelegramLimits(), limiter)
        self.polling_timeout = polling_timeout
        self._queues = ChatQueues(self._on_inbound)
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._polling: asyncio.Task[None] | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"TelegramChannel({self.bot_kind!s}, bot id {self.bot.id})"

    # --- receiving -------------------------------------------------------------------------------

    async def start_polling(self) -> None:
        """Start reading updates by long polling in a background task (drops a webhook first).

        Raises:
            TelegramSetupError: Telegram rejected the token.
        """
        if self._polling is not None and not self._polling.done():
            return
        self._closed = False  # stop() then start_polling() again is allowed; aiogram reopens its session
        try:
            me = await self.bot.get_me()
            # getUpdates answers 409 while a webhook is set; pending updates are kept.
            await self.bot(DeleteWebhook(drop_pending_updates=False))
        except TelegramUnauthorizedError as e:
            raise TelegramSetupError(
                f"Telegram rejected the {self.bot_kind} bot token ({e.message}); check TELEGRAM_{str(self.bot_kind).upper()}_TOKEN"
            ) from e
        except TelegramAPIError as e:
            # Telegram unreachable right now: aiogram's polling retries with backoff, so start anyway.
            log.warning("Telegram %s bot: %s; polling will keep retrying", self.bot_kind, e)
        else:
            log.info("Telegram %s bot @%s polling", self.bot_kind, me.username)
        self._polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                polling_timeout=self.polling_timeout,
                handle_as_tasks=False,  # handlers only queue; ChatQueues runs chats concurrently
                handle_signals=False,  # the app owns signals
                close_bot_session=False,  # stop() closes it, after the last reply is sent
                wait_done=False,
            ),
            name=f"telegram-polling-{self.bot_kind}",
        )
        self._polling.add_done_callback(self._polling_ended)

    def add_webhook_route(self, app: web.Application, path: str) -> None:
        """Serve Telegram's webhook posts for this bot at `path` on `app`."""
        app.router.add_post(path, make_webhook_handler(self.webhook_secret, self.feed_webhook_update))

    async def set_webhook(self, url: str) -> None:
        """Ask Telegram to post this bot's updates to `url` (https) with our secret token.

        Raises:
            TelegramSetupError: Telegram refused (bad token, not https, unreachable host...).
        """
        try:
            await self.bot(
                SetWebhook(
                    url=url,
                    secret_token=self.webhook_secret,
                    allowed_updates=self.dispatcher.resolve_used_update_types(),
                )
            )
        except TelegramAPIError as e:
            raise TelegramSetupError(
                f"Telegram refused the {self.bot_kind} bot webhook {url}: {e.message}"
            ) from e

    async def feed_webhook_update(self, update: dict[str, Any]) -> None:
        """Handle one update posted to the webhook; return when the app has handled it.

        Raises:
            ValueError: the update is not in the Bot API's shape.
        """
        parsed = Update.model_validate(update, context={"bot": self.bot})
        try:
            await self.dispatcher.feed_update(self.bot, parsed, wait_done=True)
        except Exception:
            # A bug in conversion must not make Telegram re-send the same update forever.
            log.exception("Telegram %s bot: update %s could not be handled", self.bot_kind, parsed.update_id)

    async def _accept(self, update_id: int, inbound: Inbound, wait: bool) -> None:
        if update_id in self._seen:
            log.info("dropping repeated Telegram update %s", inbound.dedup_key)
            return
        self._seen[update_id] = None
        if len(self._seen) > SEEN_UPDATES:
            self._seen.popitem(last=False)
        done = self._queues.submit(inbound)
        if wait:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(done)

    def _polling_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("Telegram %s bot polling ended", self.bot_kind, exc_info=task.exception())

    # --- sending ---------------------------------------------------------------------------------

    async def send(self, out: Outbound) -> None:
        """Send one Outbound to its chat.

        Raises:
            DeliveryError: see `TelegramSender.send`.
        """
        await self.sender.send(out)

    async def set_commands(self, commands: list[tuple[str, str]], lang: str | None = None) -> None:
        """Set the bot's command menu, for users of language `lang` (None: everyone else).

        Raises:
            ValueError: a command name is not 1-32 of a-z, 0-9, _ or a description is not 1-256 characters.
            DeliveryError: Telegram refused or could not be reached.
        """
        items = []
        for name, description in commands:
            name = name.removeprefix("/")
            if not _COMMAND.match(name):
                raise ValueError(f"command {name!r}: use 1-32 characters of a-z, 0-9 and _")
            if not 1 <= len(description.strip()) <= 256:
                raise ValueError(f"command {name!r}: the description must be 1-256 characters")
            items.append(BotCommand(command=name, description=description.strip()))
        if lang is not None and not re.fullmatch(r"[a-z]{2}", lang):
            raise ValueError(f"language {lang!r}: use a two-letter ISO 639-1 code such as 'ru' or 'en'")
        await self.sender.call(SetMyCommands(commands=items, language_code=lang))

    # --- lifecycle -------------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop polling, let queued messages finish (up to 10 s), close the HTTP session. Idempotent."""
        if self._closed:
            return
        self._closed = True
        task, self._polling = self._polling, None
        if task is not None and not task.done():
            try:
                await self.dispatcher.stop_polling()
            except RuntimeError:
                task.cancel()  # polling had not taken its lock yet
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._queues.drain(DRAIN_TIMEOUT_S)
        await self.bot.session.close()

    async def __aenter__(self) -> TelegramChannel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
