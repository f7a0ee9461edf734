"""Planned sends -> aiogram method objects (the rules themselves are `bots.telegram_common.plan`)."""

from __future__ import annotations

from typing import Any

from aiogram.enums import ParseMode
from aiogram.methods import (
    EditMessageReplyMarkup,
    EditMessageText,
    SendAudio,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVideo,
)
from aiogram.methods.base import TelegramMethod
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)

from bots.telegram_common import plan
from bots.telegram_common.plan import InlineKeyboard, KeyboardRemoval, Markup, SendKind, SendStep
from dialogue.inline_media import decode_inline, filename_for, is_inline
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
    if step.kind is SendKind.EDIT_TEXT:
        return EditMessageText(
            chat_id=step.chat_id if chat is None else chat,
            message_id=step.message_id,
            text=step.text,
            parse_mode=ParseMode.HTML,
            reply_markup=to_markup(step.reply_markup),  # type: ignore[arg-type]
        )
    if step.kind is SendKind.EDIT_MARKUP:
        return EditMessageReplyMarkup(
            chat_id=step.chat_id if chat is None else chat,
            message_id=step.message_id,
            reply_markup=to_markup(step.reply_markup),  # type: ignore[arg-type]
        )
    fields: dict[str, Any] = {
        "chat_id": step.chat_id if chat is None else chat,
        "message_thread_id": step.thread_id,
        "reply_markup": to_markup(step.reply_markup),
    }
    if step.reply_to is not None:
        # A reply thread in a group; still send when the card was deleted.
        fields["reply_parameters"] = ReplyParameters(
            message_id=step.reply_to, allow_sending_without_reply=True
        )
    if step.kind is SendKind.MESSAGE:
        return SendMessage(text=step.text, parse_mode=ParseMode.HTML, **fields)
    fields[step.kind.media_field] = upload(step.file_id)
    if step.text:
        fields["caption"] = step.text
        fields["parse_mode"] = ParseMode.HTML
    return _MEDIA_METHODS[step.kind](**fields)


def upload(file_id: str | None) -> str | BufferedInputFile | None:
    """The file to send: bytes carried in a data URI are uploaded (multipart), anything else goes as it is."""
    if file_id is not None and is_inline(file_id):
        data, mime = decode_inline(file_id)
        return BufferedInputFile(data, filename=filename_for(mime))
    return file_id


def to_markup(
    markup: Markup | None,
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    """Return the aiogram keyboard for a planned one."""
    if markup is None:
        return None
    if isinstance(markup, InlineKeyboard):
        return InlineKeyboardMarkup.model_validate(markup.to_dict())
    if isinstance(markup, KeyboardRemoval):
        return ReplyKeyboardRemove(remove_keyboard=True)
    return ReplyKeyboardMarkup.model_validate(markup.to_dict())
