"""`PtbTelegramChannel`: one Telegram bot (client or staff) on python-telegram-bot 22, by polling or webhook.

A drop-in alternative to `bots.telegram.TelegramChannel` (aiogram 3): same constructor, attributes and
methods, same `Inbound`s, same Bot API calls and the same `DeliveryError` mapping. PTB's `Application`
runs inside the app's event loop (initialize/start/stop/shutdown by hand; never `run_polling`, which
owns the loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from contextvars import ContextVar
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ContextTypes
from telegram.request import HTTPXRequest

from bots.ratelimit import RateLimiter
from bots.telegram_common.channel import TelegramChannelBase
from bots.telegram_common.commands import check_commands
from bots.telegram_common.errors import TelegramSetupError
from bots.telegram_common.inbound import ALLOWED_UPDATES
from bots.telegram_common.limits import TelegramLimits
from bots.telegram_common.plan import chat_ref
from bots.telegram_ptb.handlers import build_handlers
from bots.telegram_ptb.redact import install_token_redaction
from bots.telegram_ptb.sender import PtbSender
from dialogue.messages import Delivered, Inbound, InboundNotRecorded, Outbound

log = logging.getLogger(__name__)

SEND_CONNECTIONS = 64  # concurrent sends; PTB's default pool of 1 would serialise every chat's replies
RETRY_START_S = (1.0, 2.0, 5.0, 10.0, 30.0)  # waits between tries when Telegram is unreachable at start

# Set while a webhook update is processed: the handlers put a failure to record it here for the webhook.
_webhook_failures: ContextVar[list[InboundNotRecorded] | None] = ContextVar(
    "ptb_webhook_failures", default=None
)


def check_token(token: str) -> None:
    """Check a bot token's shape as aiogram does (digits, a colon, a secret, no spaces).

    Raises:
        ValueError: the token cannot be a bot token.
    """
    head, sep, tail = token.partition(":") if isinstance(token, str) else ("", "", "")
    if not sep or not head.isdigit() or not tail or any(c.isspace() for c in token):
        raise ValueError("a Telegram bot token looks like 123456:ABC-def...; copy it from @BotFather")


class PtbTelegramChannel(TelegramChannelBase):
    """The Telegram adapter for ONE bot on python-telegram-bot (arguments: see `TelegramChannelBase`)."""

    def _connect(
        self, token: str, api_base: str | None, limits: TelegramLimits, limiter: RateLimiter | None
    ) -> None:
        check_token(token)
        install_token_redaction()
        self._bot_id = int(token.partition(":")[0])
        # Our own request objects, so sends work (and are closed) without initialize(), which calls getMe.
        self._request = HTTPXRequest(connection_pool_size=SEND_CONNECTIONS, pool_timeout=5.0)
        self._updates_request = HTTPXRequest(connection_pool_size=1)
        builder = (
            Application.builder()
            .token(token)
            .request(self._request)
            .get_updates_request(self._updates_request)
        )
        if api_base:
            base = api_base.rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        self.application = builder.build()
        self.application.add_handlers(build_handlers(self.bot_kind, self._accept))
        self.application.add_error_handler(self._on_handler_error)
        self.bot = self.application.bot
        self.sender = PtbSender(self.bot, limits, limiter)
        self._init_lock = asyncio.Lock()
        self._initialized = False
        self._starting: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"PtbTelegramChannel({self.bot_kind!s}, bot id {self._bot_id})"

    # --- receiving -------------------------------------------------------------------------------

    async def start_polling(self) -> None:
        """Start PTB's Updater polling in the background, retrying while Telegram is unreachable."""
        updater = self.application.updater
        if (updater is not None and updater.running) or (self._starting and not self._starting.done()):
            return
        self._stopping = False
        try:
            await self._initialize()
            await self._start_updates()
        except TelegramSetupError:
            raise
        except TelegramError as e:
            # Telegram unreachable right now: keep trying in the background, as aiogram's polling does.
            log.warning("Telegram %s bot: %s; polling will keep retrying", self.bot_kind, e)
            self._starting = asyncio.create_task(
                self._start_when_reachable(), name=f"telegram-ptb-start-{self.bot_kind}"
            )

    async def set_webhook(self, url: str) -> None:
        """Initialise PTB and ask Telegram to post this bot's updates to `url` (see the base class)."""
        try:
            await self._initialize()
            await self.bot.set_webhook(
                url=url, secret_token=self.webhook_secret, allowed_updates=list(ALLOWED_UPDATES)
            )
        except TelegramSetupError:
            raise
        except TelegramError as e:
            raise self._webhook_refused(url, e.message) from e

    async def feed_webhook_update(self, update: dict[str, Any]) -> None:
        """Process one webhook update in PTB's Application; return when the app has recorded it.

        PTB's process_update runs the handlers in this task, so they report a failure to record the update
        through a context variable.

        Raises:
            ValueError: the update is not in the Bot API's shape.
            TelegramSetupError: the bot could not be initialised (Telegram then re-sends the update).
            InboundNotRecorded: the app could not record it (the webhook answers 503).
        """
        try:
            await self._initialize()  # PTB processes updates only in an initialised Application
        except TelegramError as e:
            raise TelegramSetupError(f"Telegram {self.bot_kind} bot could not start: {e.message}") from e
        if await self._feed_plain(update):  # a person's plain text message: no PTB objects needed
            return
        try:
            parsed = Update.de_json(update, self.bot)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ValueError(f"not a Bot API update: {e}") from e
        failures: list[InboundNotRecorded] = []
        reset = _webhook_failures.set(failures)
        try:
            # Handler errors go to _on_handler_error: a bug in conversion must not make Telegram
            # re-send the same update forever. Only a failure to record it does (503).
            await self.application.process_update(parsed)
        finally:
            _webhook_failures.reset(reset)
        if failures:
            raise failures[0]

    async def _accept(self, update_id: int, inbound: Inbound) -> None:
        failures = _webhook_failures.get()
        try:
            await self._hand_over(update_id, inbound, webhook=failures is not None)
        except InboundNotRecorded as e:
            if failures is None:
                raise
            failures.append(e)

    async def _on_handler_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "Telegram %s bot: update %s could not be handled",
            self.bot_kind,
            update_id,
            exc_info=context.error,
        )

    def _polling_error(self, error: TelegramError) -> None:
        # PTB keeps polling after this (with backoff); a revoked token is worth an operator's look.
        level = logging.ERROR if isinstance(error, InvalidToken) else logging.WARNING
        log.log(level, "Telegram %s bot polling: %s", self.bot_kind, error)

    async def _initialize(self) -> None:
        """Initialise PTB once (getMe, checks the token); later calls return at once.

        Raises:
            TelegramSetupError: the token was rejected.
            TelegramError: Telegram could not be reached.
        """
        async with self._init_lock:
            if self._initialized:
                return
            await self._request.initialize()  # reopens the HTTP client after stop()
            try:
                await self.application.initialize()
            except InvalidToken as e:
                # Not e.message: PTB puts the whole token in it.
                raise self._token_rejected("Unauthorized") from e
            self._initialized = True
            log.info("Telegram %s bot @%s ready (python-telegram-bot)", self.bot_kind, self.bot.username)

    async def _start_updates(self) -> None:
        if not self.application.running:
            await self.application.start()
        updater = self.application.updater
        if updater is None or updater.running:
            return
        # start_polling deletes a webhook first (getUpdates answers 409 while one is set), keeping
        # pending updates.
        await updater.start_polling(
            timeout=self.polling_timeout,
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
            error_callback=self._polling_error,
        )

    async def _start_when_reachable(self) -> None:
        for attempt in itertools.count():
            await asyncio.sleep(RETRY_START_S[min(attempt, len(RETRY_START_S) - 1)])
            try:
                await self._initialize()
                await self._start_updates()
            except TelegramSetupError as e:
                log.error("%s", e)
                return
            except TelegramError as e:
                log.warning("Telegram %s bot still unreachable: %s", self.bot_kind, e)
            else:
                return

    # --- sending ---------------------------------------------------------------------------------

    async def send(self, out: Outbound) -> Delivered:
        """Send one Outbound to its chat through PTB (see `TelegramSender.send`)."""
        await self._request.initialize()  # a no-op unless stop() closed the HTTP client
        await self.set_menu(out)
        if out.menu and not out.text and not out.media:
            return Delivered()
        return await self.sender.send(out)

    async def fetch_file(self, file_id: str) -> bytes:
        """The bytes of a file this bot received, through PTB (see the base class)."""
        await self._request.initialize()

        async def download(_chat: object) -> bytes:
            found = await self.bot.get_file(file_id)
            return bytes(await found.download_as_bytearray())

        return await self.sender.call("getFile", None, download)

    async def set_commands(
        self, commands: list[tuple[str, str]], lang: str | None = None, chat_id: str | None = None
    ) -> None:
        """Set the bot's command menu through PTB (see the base class)."""
        items = [BotCommand(name, description) for name, description in check_commands(commands, lang)]
        scope = BotCommandScopeChat(chat_ref(chat_id)) if chat_id is not None else None
        await self._request.initialize()
        await self.sender.call(
            "setMyCommands",
            None,
            lambda _chat: self.bot.set_my_commands(items, scope=scope, language_code=lang),
        )

    # --- lifecycle -------------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop PTB's Updater and Application, close the HTTP clients. Idempotent."""
        self._stopping = True
        starting, self._starting = self._starting, None
        if starting is not None and not starting.done():
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        async with self._init_lock:
            await self.application.shutdown()
            self._initialized = False
        # Closed here too: sends without initialize() open them, and PTB's shutdown skips them then.
        await self._request.shutdown()
        await self._updates_request.shutdown()
