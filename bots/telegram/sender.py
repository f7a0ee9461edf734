"""Sending through the Bot API: platform rate limits, and Telegram errors -> `DeliveryError`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiogram import Bot as AiogramBot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
)
from aiogram.methods.base import TelegramMethod
from aiohttp import ClientError

from bots.ratelimit import Rate, RateLimiter
from bots.telegram.outbound import UnsendableError, plan_outbound
from dialogue.messages import DeliveryError, Outbound

log = logging.getLogger(__name__)


# Telegram's FAQ: about one message a second in a chat (short bursts pass), 20 a minute in a group,
# 30 a second overall.
PRIVATE_CHAT_RATE = Rate(1, 1.0, burst=3)
GROUP_CHAT_RATE = Rate(20, 60.0, burst=3)
OVERALL_RATE = Rate(30, 1.0, burst=30)


@dataclass(frozen=True, slots=True)
class TelegramLimits:
    """Telegram's documented send limits; None switches a limit off (tests, a local Bot API server)."""

    private_chat: Rate | None = PRIVATE_CHAT_RATE
    group_chat: Rate | None = GROUP_CHAT_RATE
    overall: Rate | None = OVERALL_RATE

    @classmethod
    def none(cls) -> TelegramLimits:
        """No limits at all."""
        return cls(private_chat=None, group_chat=None, overall=None)


class TelegramSender:
    """Delivers `Outbound` messages for one bot within its limits."""

    def __init__(self, bot: AiogramBot, limits: TelegramLimits, limiter: RateLimiter | None = None) -> None:
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
            await self._call(step)

    async def call(self, method: TelegramMethod[Any]) -> Any:
        """Make one API call that sends into a chat, within limits and with errors mapped."""
        return await self._call(method)

    async def _call(self, method: TelegramMethod[Any], *, may_migrate: bool = True) -> Any:
        chat = getattr(method, "chat_id", None)
        await self.limiter.acquire(*self._limits_for(chat))
        try:
            return await self.bot(method)
        except TelegramMigrateToChat as e:
            if not may_migrate:
                raise DeliveryError(f"Telegram chat {chat} keeps moving: {e.message}", permanent=True) from e
            # A group became a supergroup; its new id works at once, so deliver there instead of failing.
            log.warning("Telegram chat %s moved to %s; sending there", chat, e.migrate_to_chat_id)
            return await self._call(
                method.model_copy(update={"chat_id": e.migrate_to_chat_id}), may_migrate=False
            )
        except TelegramRetryAfter as e:
            raise DeliveryError(
                f"Telegram asked to slow down: {e.message}", retry_after=float(e.retry_after)
            ) from e
        except (TelegramForbiddenError, TelegramBadRequest, TelegramEntityTooLarge) as e:
            # Blocked by the user, kicked from the group, chat not found, message rejected: a retry
            # would get the same answer.
            raise DeliveryError(
                f"Telegram refused {method.__api_method__}: {e.message}", permanent=True
            ) from e
        except TelegramAPIError as e:
            raise DeliveryError(f"Telegram {method.__api_method__} failed: {e.message}") from e
        except (TimeoutError, ClientError, OSError) as e:
            raise DeliveryError(f"Telegram {method.__api_method__} failed: {type(e).__name__}: {e}") from e

    def _limits_for(self, chat: object) -> list[tuple[object, Rate]]:
        limits: list[tuple[object, Rate]] = []
        if self.limits.overall is not None:
            limits.append(("*", self.limits.overall))
        if chat is None:
            return limits
        # User ids (private chats) are positive; groups, supergroups and channels are negative or @names.
        private = isinstance(chat, int) and chat > 0
        rate = self.limits.private_chat if private else self.limits.group_chat
        if rate is not None:
            limits.append((("chat", chat), rate))
        return limits
