"""Planned sends -> aiogram method objects (the rules themselves are `bots.telegram_common.plan`)."""

from __future__ import annotations

from typing import Any

from aiogram.enums import ParseMode
from aiogram.methods import SendAudio, SendDocument, SendMessage, SendPhoto, SendVideo
from aiogram.methods.base import TelegramMethod
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup

from bots.telegram_common import plan
from bots.telegram_common.plan import InlineKeyboard, Markup, SendKind, SendStep
from dialogue.messages import Outbound

_MEDIA_METHODS: dict[SendKind, type[TelegramMethod[Any]]] = {
    SendKind.PHOTO: SendPhoto,
    SendKind.VIDEO: SendVideo,
    SendKind.DOCUMENT: SendDocument,
    SendKind.AUDIO: SendAudio,
}


def plan_outbound(out: Outbound) -> list[TelegramMethod[Any]]:
    """Return the aiogram calls that deliver `out`, in sending order.

    Raises:
        UnsendableError: nothing to send, or a button that Telegram would reject.
    """
    return [to_method(step) for step in plan.plan_outbound(out)]


def to_method(step: SendStep, chat: int | str | None = None) -> TelegramMethod[Any]:
    """Return the aiogram method for one planned send, to `chat` when given (a migrated group)."""
    fields: dict[str, Any] = {
        "chat_id": step.chat_id if chat is None else chat,
        "message_thread_id": step.thread_id,
        "reply_markup": to_markup(step.reply_markup),
    }
    if step.kind is SendKind.MESSAGE:
        return SendMessage(text=step.text, parse_mode=ParseMode.HTML, **fields)
    fields[step.kind.media_field] = step.file_id
    if step.text:
        fields["caption"] = step.text
        fields["parse_mode"] = ParseMode.HTML
    return _MEDIA_METHODS[step.kind](**fields)


def to_markup(markup: Markup | None) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """Return the aiogram keyboard for a planned one."""
    if markup is None:
        return None
    if isinstance(markup, InlineKeyboard):
        return InlineKeyboardMarkup.model_validate(markup.to_dict())
    return ReplyKeyboardMarkup.model_validate(markup.to_dict())
