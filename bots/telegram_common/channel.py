"""`TelegramChannelBase`: what a Telegram channel does whichever framework talks to the Bot API."""

from __future__ import annotations

import abc
import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Self

from aiohttp import web

from bots.ratelimit import RateLimiter
from bots.telegram_common.errors import TelegramSetupError
from bots.telegram_common.inbound import update_to_inbound
from bots.telegram_common.limits import TelegramLimits
from bots.telegram_common.plain_update import plain_text_message
from bots.telegram_common.webhook import derive_secret, make_webhook_handler
from dialogue.messages import Bot, Delivered, DeliveryError, Inbound, InboundNotRecorded, Outbound

log = logging.getLogger(__name__)

SEEN_UPDATES = 4096  # update ids remembered to drop a repeat (Telegram re-sends after a slow webhook answer)
RECORD_RETRY_S = (0.5, 1.0, 2.0, 5.0)  # polling: waits between tries to hand an update over, then the last


class TelegramChannelBase(abc.ABC):
    """The Telegram adapter for ONE bot: converts updates to `Inbound`, sends `Outbound`.

    Subclasses wire one framework (aiogram, python-telegram-bot) in `_connect`; the constructor, and so
    what the app passes, is this one for both.

    Args:
        bot_kind: which of our bots this is (client or staff).
        token: the bot token from @BotFather.
        on_inbound: called once per message or button press, in arrival order; it records the message
            durably and returns (replies are the engine's business, they come back through `send`). When
            it raises `InboundNotRecorded`, a webhook answers 503 (Telegram sends the update again) and
            polling tries again before it reads further (Telegram keeps the update meanwhile).
        api_base: Bot API base URL, e.g. a local `telegram-bot-api` server or a test fake; None is
            api.telegram.org.
        webhook_secret: the secret Telegram must echo in `X-Telegram-Bot-Api-Secret-Token`; when None a
            secret is derived from the token, so a webhook is never unguarded.
        limits: send rate limits (`TelegramLimits.none()` switches them off).
        limiter: a shared rate limiter (one per process is enough).
        polling_timeout: seconds a getUpdates long poll may wait.

    Raises:
        ValueError: the token is not shaped like a bot token (on python-telegram-bot; aiogram raises its
            own TokenValidationError, which is not a ValueError).
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
        self.polling_timeout = polling_timeout
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._stopping = False  # set by stop(): polling stops retrying an update it could not hand over
        self._connect(token, api_base, limits or TelegramLimits(), limiter)
        # After _connect, which checks the token: a malformed one must not get as far as a secret.
        self.webhook_secret = webhook_secret or derive_secret(token)

    @abc.abstractmethod
    def _connect(
        self, token: str, api_base: str | None, limits: TelegramLimits, limiter: RateLimiter | None
    ) -> None:
        """Build the framework's bot and sender (no network I/O here); check the token's shape."""

    # --- receiving -------------------------------------------------------------------------------

    @abc.abstractmethod
    async def start_polling(self) -> None:
        """Start reading updates by long polling in the background (drops a webhook first).

        Raises:
            TelegramSetupError: Telegram rejected the token.
        """

    def add_webhook_route(self, app: web.Application, path: str) -> None:
        """Serve Telegram's webhook posts for this bot at `path` on `app`."""
        app.router.add_post(path, make_webhook_handler(self.webhook_secret, self.feed_webhook_update))

    @abc.abstractmethod
    async def set_webhook(self, url: str) -> None:
        """Ask Telegram to post this bot's updates to `url` (https) with our secret token.

        Raises:
            TelegramSetupError: Telegram refused (bad token, not https, unreachable host...).
        """

    @abc.abstractmethod
    async def feed_webhook_update(self, update: dict[str, Any]) -> None:
        """Handle one update posted to the webhook; return when the app has handled it.

        Raises:
            ValueError: the update is not in the Bot API's shape.
        """

    async def _feed_plain(self, update: dict[str, Any]) -> bool:
        """Hand a person's plain text message over without the framework; False for any other update.

        Its handlers would end in the same `update_to_inbound` call (`bots.telegram_common.plain_update`
        says why and when); a failure other than `InboundNotRecorded` is logged, as the frameworks do.
        """
        if plain_text_message(update) is None:
            return False
        update_id = int(update["update_id"])
        inbound = update_to_inbound(self.bot_kind, update)
        if inbound is None:
            return True  # an empty text: no handler gives it to the engine either
        try:
            await self._hand_over(update_id, inbound, webhook=True)
        except InboundNotRecorded:
            raise
        except Exception:
            log.exception("Telegram %s bot: update %s could not be handled", self.bot_kind, update_id)
        return True

    def _token_rejected(self, detail: str) -> TelegramSetupError:
        """Return the setup error for a token Telegram refused, naming the setting to fix."""
        setting = f"TELEGRAM_{str(self.bot_kind).upper()}_TOKEN"
        return TelegramSetupError(
            f"Telegram rejected the {self.bot_kind} bot token ({detail}); check {setting}"
        )

    def _webhook_refused(self, url: str, detail: str) -> TelegramSetupError:
        """Return the setup error for a webhook Telegram would not set."""
        return TelegramSetupError(f"Telegram refused the {self.bot_kind} bot webhook {url}: {detail}")

    async def _hand_over(self, update_id: int, inbound: Inbound, *, webhook: bool) -> None:
        """Give a converted update to `on_inbound` unless its id was seen before (Telegram re-sends).

        From a webhook, `InboundNotRecorded` is raised to the webhook handler (503). From polling, the
        update is tried again with a growing pause until it is recorded or the bot stops: the next
        getUpdates, which confirms it to Telegram, waits meanwhile, so nothing is skipped.
        """
        if update_id in self._seen:
            log.info("dropping repeated Telegram update %s", inbound.dedup_key)
            return
        tries = 0
        while True:
            try:
                await self._on_inbound(inbound)
                break
            except InboundNotRecorded:
                if webhook or self._stopping:
                    raise
                wait = RECORD_RETRY_S[min(tries, len(RECORD_RETRY_S) - 1)]
                if tries == 0:
                    log.warning("Telegram %s bot: update %s not recorded; retrying", self.bot_kind, update_id)
                tries += 1
                await asyncio.sleep(wait)
        self._seen[update_id] = None
        if len(self._seen) > SEEN_UPDATES:
            self._seen.popitem(last=False)

    # --- sending ---------------------------------------------------------------------------------

    @abc.abstractmethod
    async def send(self, out: Outbound) -> Delivered:
        """Send one Outbound to its chat.

        Raises:
            DeliveryError: see `TelegramSender.send`.
        """

    async def set_menu(self, out: Outbound) -> None:
        """Set the chat's command menu an Outbound carries (`Outbound.menu`), before its text is sent.

        A menu Telegram refuses for good is logged and the message still goes (the menu is a convenience);
        a failure worth retrying is raised, and the retry sets the menu again (it is idempotent).
        """
        if not out.menu:
            return
        try:
            await self.set_commands(list(out.menu), None, out.chat_id)
        except DeliveryError as e:
            if not e.permanent:
                raise
            log.warning("Telegram %s bot: the menu of chat %s was refused: %s", self.bot_kind, out.chat_id, e)
        except ValueError as e:
            log.warning("Telegram %s bot: a bad command menu for chat %s: %s", self.bot_kind, out.chat_id, e)

    @abc.abstractmethod
    async def fetch_file(self, file_id: str) -> bytes:
        """The bytes of a file this bot received (getFile, then the download), to carry it to another chat.

        Raises:
            DeliveryError: Telegram refused (an unknown file id) or could not be reached.
        """

    @abc.abstractmethod
    async def set_commands(
        self, commands: list[tuple[str, str]], lang: str | None = None, chat_id: str | None = None
    ) -> None:
        """Set the bot's command menu, for users of language `lang` (None: everyone else), or for one chat
        (`chat_id`: BotCommandScopeChat, a staff member's menu for their role).

        Raises:
            ValueError: a command name is not 1-32 of a-z, 0-9, _ or a description is not 1-256 characters.
            DeliveryError: Telegram refused or could not be reached.
        """

    # --- lifecycle -------------------------------------------------------------------------------

    @abc.abstractmethod
    async def stop(self) -> None:
        """Stop polling, let queued messages finish (up to 10 s), close the HTTP clients. Idempotent."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
