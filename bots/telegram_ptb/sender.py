"""Sending through python-telegram-bot: what PTB's exceptions mean, and the concrete Bot API calls.

Pacing and the `DeliveryError` rules are `bots.telegram_common.delivery`, shared with the aiogram adapter,
so the delivery loop retries, waits or gives up the same way whichever stack is chosen.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

from telegram import Bot as PtbBot
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bots.telegram_common.delivery import Failure, FailureKind, TelegramSender
from bots.telegram_common.plan import InlineKeyboard, KeyboardRemoval, Markup, SendKind, SendStep
from dialogue.inline_media import decode_inline, filename_for, is_inline


def retry_seconds(error: RetryAfter) -> float:
    """Return how long Telegram asked to wait, in seconds, whatever type this PTB version reports."""
    with warnings.catch_warnings():
        # PTB 22 warns that retry_after becomes a timedelta; either type is read correctly here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def to_markup(
    markup: Markup | None,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    """Return the PTB keyboard for a planned one."""
    if markup is None:
        return None
    if isinstance(markup, InlineKeyboard):
        return InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(b.text, callback_data=b.callback_data, url=b.url) for b in row]
                for row in markup.rows
            ]
        )
    if isinstance(markup, KeyboardRemoval):
        return ReplyKeyboardRemove()
    # None, not False, for a request not made: PTB then leaves the field out, as Telegram's own clients do.
    row = [
        KeyboardButton(
            b.text, request_contact=b.request_contact or None, request_location=b.request_location or None
        )
        for b in markup.buttons
    ]
    return ReplyKeyboardMarkup([row], resize_keyboard=True, one_time_keyboard=True)


class PtbSender(TelegramSender[PtbBot]):
    """Delivers `Outbound` messages for one bot within its limits, through a PTB `Bot`."""

    def classify(self, error: Exception) -> Failure | None:
        """Say what a python-telegram-bot exception means for the message."""
        match error:
            case ChatMigrated():
                return Failure(FailureKind.MIGRATED, error.message, migrate_to=error.new_chat_id)
            case RetryAfter():
                return Failure(FailureKind.RETRY_AFTER, error.message, retry_after=retry_seconds(error))
            case Forbidden() | BadRequest():
                # BadRequest is a NetworkError in PTB, so it is matched first.
                return Failure(FailureKind.REFUSED, error.message)
            case NetworkError() if "entity too large" in error.message.lower():
                # PTB has no class for 413; the aiogram adapter treats it as permanent, so do we.
                return Failure(FailureKind.REFUSED, error.message)
            case TelegramError():
                # InvalidToken, Conflict, network trouble and the rest: not this message's fault, so
                # worth a later retry.
                return Failure(FailureKind.FAILED, f"{type(error).__name__}: {error.message}")
        return None

    async def execute(self, step: SendStep, chat: int | str) -> Any:
        """Send one planned step with the matching `Bot.send_*` (or `Bot.edit_*`) method."""
        if step.kind is SendKind.EDIT_TEXT:
            return await self.bot.edit_message_text(
                step.text,
                chat_id=chat,
                message_id=step.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=to_markup(step.reply_markup),  # type: ignore[arg-type]
            )
        if step.kind is SendKind.EDIT_MARKUP:
            return await self.bot.edit_message_reply_markup(
                chat_id=chat,
                message_id=step.message_id,
                reply_markup=to_markup(step.reply_markup),  # type: ignore[arg-type]
            )
        caption: dict[str, Any] = {"caption": step.text, "parse_mode": ParseMode.HTML} if step.text else {}
        common: dict[str, Any] = {
            "chat_id": chat,
            "message_thread_id": step.thread_id,
            "reply_markup": to_markup(step.reply_markup),
        }
        if step.reply_to is not None:
            # A reply thread in a group; still send when the card was deleted.
            common["reply_parameters"] = ReplyParameters(step.reply_to, allow_sending_without_reply=True)
        match step.kind:
            case SendKind.MESSAGE:
                return await self.bot.send_message(text=step.text, parse_mode=ParseMode.HTML, **common)
            case SendKind.PHOTO:
                return await self.bot.send_photo(photo=_file(step.file_id), **caption, **common)  # type: ignore[arg-type]
            case SendKind.VIDEO:
                return await self.bot.send_video(video=_file(step.file_id), **caption, **common)  # type: ignore[arg-type]
            case SendKind.AUDIO:
                return await self.bot.send_audio(audio=_file(step.file_id), **caption, **common)  # type: ignore[arg-type]
            case _:
                return await self.bot.send_document(document=_file(step.file_id), **caption, **common)  # type: ignore[arg-type]

    async def create_topic(self, chat: int | str, name: str) -> int:
        """Create a forum topic with `Bot.create_forum_topic`; return its message_thread_id."""
        topic = await self.bot.create_forum_topic(chat, name)
        return int(topic.message_thread_id)

    async def set_topic_open(self, chat: int | str, thread_id: int, is_open: bool) -> None:
        """Reopen or close a forum topic with PTB."""
        if is_open:
            await self.bot.reopen_forum_topic(chat, thread_id)
        else:
            await self.bot.close_forum_topic(chat, thread_id)


def _file(file_id: str | None) -> Any:
    """The file to send: bytes carried in a data URI are uploaded, anything else goes as it is."""
    if file_id is not None and is_inline(file_id):
        data, mime = decode_inline(file_id)
        return InputFile(data, filename=filename_for(mime))
    return file_id
