"""`TelegramChannel`: one Telegram bot (client or staff) on aiogram 3, by long polling or by webhook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot as AiogramBot
from aiogram import Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiogram.methods import DeleteWebhook, SetMyCommands, SetWebhook
from aiogram.types import BotCommand, BotCommandScopeChat, Update
from aiohttp import web

from bots.ratelimit import RateLimiter
from bots.telegram.handlers import build_router
from bots.telegram.sender import AiogramSender
from bots.telegram.webhook import WebhookHandler
from bots.telegram_common.channel import TelegramChannelBase
from bots.telegram_common.commands import check_commands
from bots.telegram_common.inbound import ALLOWED_UPDATES
from bots.telegram_common.limits import TelegramLimits
from bots.telegram_common.plan import chat_ref
from dialogue.messages import Delivered, Inbound, InboundNotRecorded, Outbound

log = logging.getLogger(__name__)


class TelegramChannel(TelegramChannelBase):
    """The Telegram adapter for ONE bot on aiogram 3 (arguments: see `TelegramChannelBase`)."""

    def _connect(
        self, token: str, api_base: str | None, limits: TelegramLimits, limiter: RateLimiter | None
    ) -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
        # aiogram checks the token's shape here and raises TokenValidationError if it is off.
        self.bot = AiogramBot(token, session=session)
        self.dispatcher = Dispatcher(disable_fsm=True)  # conversation state is the engine's
        self.dispatcher.include_router(build_router(self.bot_kind, self._accept))
        self.sender = AiogramSender(self.bot, limits, limiter)
        self._polling: asyncio.Task[None] | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"TelegramChannel({self.bot_kind!s}, bot id {self.bot.id})"

    # --- receiving -------------------------------------------------------------------------------

    async def start_polling(self) -> None:
        """Start polling with aiogram's Dispatcher in a background task (see the base class)."""
        if self._polling is not None and not self._polling.done():
            return
        self._closed = False  # stop() then start_polling() again is allowed; aiogram reopens its session
        self._stopping = False
        try:
            me = await self.bot.get_me()
            # getUpdates answers 409 while a webhook is set; pending updates are kept.
            await self.bot(DeleteWebhook(drop_pending_updates=False))
        except TelegramUnauthorizedError as e:
            raise self._token_rejected(e.message) from e
        except TelegramAPIError as e:
            # Telegram unreachable right now: aiogram's polling retries with backoff, so start anyway.
            log.warning("Telegram %s bot: %s; polling will keep retrying", self.bot_kind, e)
        else:
            log.info("Telegram %s bot @%s polling", self.bot_kind, me.username)
        self._polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                polling_timeout=self.polling_timeout,
                allowed_updates=list(ALLOWED_UPDATES),
                handle_as_tasks=False,  # in order; a handler only records the update (the inbox handles it)
                handle_signals=False,  # the app owns signals
                close_bot_session=False,  # stop() closes it, after the last reply is sent
                wait_done=False,
            ),
            name=f"telegram-polling-{self.bot_kind}",
        )
        self._polling.add_done_callback(self._polling_ended)

    async def set_webhook(self, url: str) -> None:
        """Ask Telegram, through aiogram, to post this bot's updates to `url` (see the base class)."""
        try:
            await self.bot(
                SetWebhook(url=url, secret_token=self.webhook_secret, allowed_updates=list(ALLOWED_UPDATES))
            )
        except TelegramAPIError as e:
            raise self._webhook_refused(url, e.message) from e

    def add_webhook_route(self, app: web.Application, path: str) -> None:
        """Serve this bot's webhook at `path` with aiogram's request handler and its secret-token check."""
        WebhookHandler(self.dispatcher, self.bot, self.webhook_secret, self.feed_webhook_update).register(
            app, path=path
        )

    async def feed_webhook_update(self, update: dict[str, Any]) -> None:
        """Feed one webhook update to aiogram's Dispatcher and wait for its handler (see the base class).

        A person's plain text message, most of what a help desk gets, skips aiogram (`_feed_plain`). Any other
        update's dict rides along as `raw_update`, so the handlers convert it as it came instead of dumping
        aiogram's models back into the same dict.

        Raises:
            ValueError: the update is not in the Bot API's shape.
            InboundNotRecorded: the app could not record it (the webhook answers 503).
        """
        if await self._feed_plain(update):
            return
        parsed = Update.model_validate(update, context={"bot": self.bot})
        try:
            await self.dispatcher.feed_update(self.bot, parsed, wait_done=True, raw_update=update)
        except InboundNotRecorded:
            raise
        except Exception:
            # A bug in conversion must not make Telegram re-send the same update forever.
            log.exception("Telegram %s bot: update %s could not be handled", self.bot_kind, parsed.update_id)

    async def _accept(self, update_id: int, inbound: Inbound, webhook: bool) -> None:
        await self._hand_over(update_id, inbound, webhook=webhook)

    def _polling_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("Telegram %s bot polling ended", self.bot_kind, exc_info=task.exception())

    # --- sending ---------------------------------------------------------------------------------

    async def send(self, out: Outbound) -> Delivered:
        """Send one Outbound to its chat through aiogram (see `TelegramSender.send`)."""
        await self.set_menu(out)
        if out.menu and not out.text and not out.media:
            return Delivered()
        return await self.sender.send(out)

    async def fetch_file(self, file_id: str) -> bytes:
        """The bytes of a file this bot received, through aiogram (see the base class)."""

        async def download(_chat: object) -> bytes:
            found = await self.bot.get_file(file_id)
            data = await self.bot.download_file(found.file_path or "")
            return data.read() if data is not None else b""

        return await self.sender.call("getFile", None, download)

    async def set_commands(
        self, commands: list[tuple[str, str]], lang: str | None = None, chat_id: str | None = None
    ) -> None:
        """Set the bot's command menu through aiogram (see the base class)."""
        items = [BotCommand(command=name, description=text) for name, text in check_commands(commands, lang)]
        scope = BotCommandScopeChat(chat_id=chat_ref(chat_id)) if chat_id is not None else None
        method = SetMyCommands(commands=items, language_code=lang, scope=scope)
        await self.sender.call("setMyCommands", None, lambda _chat: self.bot(method))

    # --- lifecycle -------------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop aiogram's polling, close the session. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._stopping = True
        task, self._polling = self._polling, None
        if task is not None and not task.done():
            try:
                await self.dispatcher.stop_polling()
            except RuntimeError:
                task.cancel()  # polling had not taken its lock yet
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.bot.session.close()
