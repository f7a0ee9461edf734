"""Sending through python-telegram-bot: platform rate limits, and PTB errors -> `DeliveryError`.

The mapping matches the aiogram adapter's `bots.telegram.sender.TelegramSender`, so the delivery loop
retries, waits or gives up the same way whichever stack is chosen.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot as PtbBot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bots.ratelimit import Rate, RateLimiter
from bots.telegram.sender import TelegramLimits
from bots.telegram_ptb.plan import SendKind, SendStep, UnsendableError, plan_outbound
from dialogue.messages import DeliveryError, Outbound

log = logging.getLogger(__name__)

T = TypeVar("T")

ChatRef = int | str | None


def retry_seconds(error: RetryAfter) -> float:
    """Return how long Telegram asked to wait, in seconds, whatever type this PTB version reports."""
    with warnings.catch_warnings():
        # PTB 22 warns that retry_after becomes a timedelta; either type is read correctly here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def limits_for(limits: TelegramLimits, chat: ChatRef) -> list[tuple[object, Rate]]:
    """Return the (key, rate) limits one send to `chat` must respect (chat None: a bot-wide call)."""
    result: list[tuple[object, Rate]] = []
    if limits.overall is not None:
        result.append(("*", limits.overall))
    if chat is None:
        return result
    # User ids (private chats) are positive; groups, supergroups and channels are negative or @names.
    private = isinstance(chat, int) and chat > 0
    rate = limits.private_chat if private else limits.group_chat
    if rate is not None:
        result.append((("chat", chat), rate))
    return result


class PtbSender:
    """Delivers `Outbound` messages for one bot within its limits, through a PTB `Bot`."""

    def __init__(self, bot: PtbBot, limits: TelegramLimits, limiter: RateLimiter | None = None) -> None:
        self.bot = bot
        self.limits = limits
        self.limiter = limiter or RateLimiter()

    async def send(self, out: Outbound) -> None:
        """Send one Outbound (possibly several API calls).

        Raises:
            DeliveryError: retry_after set on 429; permanent for a blocked bot, a missing chat or a
                malformed message; plain for network and server errors (retry later).
        """
        try:
            steps = plan_outbound(out)
        except UnsendableError as e:
            raise DeliveryError(f"cannot send to Telegram chat {out.chat_id}: {e}", permanent=True) from e
        for step in steps:
            await self.call(str(step.kind), step.chat_id, functools.partial(self._execute, step))

    async def call(
        self,
        method: str,
        chat: ChatRef,
        make: Callable[[ChatRef], Awaitable[T]],
        *,
        may_migrate: bool = True,
    ) -> T:
        """Make one API call (`make(chat)`) within limits and with errors mapped to `DeliveryError`.

        `make` takes the chat so that a group which became a supergroup can be followed to its new id.
        """
        await self.limiter.acquire(*limits_for(self.limits, chat))
        try:
            return await make(chat)
        except ChatMigrated as e:
            if not may_migrate or chat is None:
                raise DeliveryError(f"Telegram chat {chat} keeps moving: {e.message}", permanent=True) from e
            # A group became a supergroup; its new id works at once, so deliver there instead of failing.
            log.warning("Telegram chat %s moved to %s; sending there", chat, e.new_chat_id)
            return await self.call(method, e.new_chat_id, make, may_migrate=False)
        except RetryAfter as e:
            raise DeliveryError(
                f"Telegram asked to slow down: {e.message}", retry_after=retry_seconds(e)
            ) from e
        except (Forbidden, BadRequest) as e:
            # Blocked by the user, kicked from the group, chat not found, message rejected: a retry
            # would get the same answer. (BadRequest is a NetworkError in PTB, so it is caught first.)
            raise DeliveryError(f"Telegram refused {method}: {e.message}", permanent=True) from e
        except NetworkError as e:
            if "entity too large" in e.message.lower():
                # PTB has no class for 413; the aiogram adapter treats it as permanent, so do we.
                raise DeliveryError(f"Telegram refused {method}: {e.message}", permanent=True) from e
            raise DeliveryError(f"Telegram {method} failed: {type(e).__name__}: {e.message}") from e
        except TelegramError as e:
            # InvalidToken, Conflict and the rest: not this message's fault, so worth a later retry.
            raise DeliveryError(f"Telegram {method} failed: {type(e).__name__}: {e.message}") from e

    async def _execute(self, step: SendStep, chat: ChatRef) -> Any:
        assert chat is not None  # a send always has a chat; the planner sets it
        caption: dict[str, Any] = {"caption": step.text, "parse_mode": ParseMode.HTML} if step.text else {}
        common: dict[str, Any] = {
            "chat_id": chat,
            "message_thread_id": step.thread_id,
            "reply_markup": step.reply_markup,
        }
        match step.kind:
            case SendKind.MESSAGE:
                return await self.bot.send_message(text=step.text, parse_mode=ParseMode.HTML, **common)
            case SendKind.PHOTO:
                return await self.bot.send_photo(photo=step.file_id, **caption, **common)  # type: ignore[arg-type]
            case SendKind.VIDEO:
                return await self.bot.send_video(video=step.file_id, **caption, **common)  # type: ignore[arg-type]
            case SendKind.AUDIO:
                return await self.bot.send_audio(audio=step.file_id, **caption, **common)  # type: ignore[arg-type]
            case _:
                return await self.bot.send_document(document=step.file_id, **caption, **common)  # type: ignore[arg-type]
