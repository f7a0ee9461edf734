"""Sending through aiogram: what aiogram's exceptions mean, and the concrete Bot API calls."""

from __future__ import annotations

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
from aiogram.methods import CloseForumTopic, CreateForumTopic, ReopenForumTopic
from aiohttp import ClientError

from bots.telegram.json_send import json_params, send_json
from bots.telegram.outbound import to_method
from bots.telegram_common.delivery import Failure, FailureKind, TelegramSender
from bots.telegram_common.plan import SendStep


class AiogramSender(TelegramSender[AiogramBot]):
    """Delivers `Outbound` messages for one bot within its limits, through an aiogram `Bot`."""

    def classify(self, error: Exception) -> Failure | None:
        """Say what an aiogram or aiohttp exception means for the message."""
        match error:
            case TelegramMigrateToChat():
                return Failure(FailureKind.MIGRATED, error.message, migrate_to=error.migrate_to_chat_id)
            case TelegramRetryAfter():
                return Failure(FailureKind.RETRY_AFTER, error.message, retry_after=float(error.retry_after))
            case TelegramForbiddenError() | TelegramBadRequest() | TelegramEntityTooLarge():
                return Failure(FailureKind.REFUSED, error.message)
            case TelegramAPIError():
                return Failure(FailureKind.FAILED, error.message)
            case TimeoutError() | ClientError() | OSError():
                return Failure(FailureKind.FAILED, f"{type(error).__name__}: {error}")
        return None

    async def execute(self, step: SendStep, chat: int | str) -> Any:
        """Send one planned step: a text as one JSON POST (`bots.telegram.json_send`), media as its aiogram
        method."""
        params = json_params(step, chat)
        if params is not None:
            return await send_json(self.bot, step, chat, params)
        return await self.bot(to_method(step, chat))

    async def create_topic(self, chat: int | str, name: str) -> int:
        """Create a forum topic with aiogram's CreateForumTopic; return its message_thread_id."""
        topic = await self.bot(CreateForumTopic(chat_id=chat, name=name))
        return int(topic.message_thread_id)

    async def set_topic_open(self, chat: int | str, thread_id: int, is_open: bool) -> None:
        """Reopen or close a forum topic with aiogram."""
        method = ReopenForumTopic if is_open else CloseForumTopic
        await self.bot(method(chat_id=chat, message_thread_id=thread_id))
