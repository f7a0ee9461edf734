"""Channel-neutral `Outbound` -> the Bot API calls that deliver it, in order.

Planning is pure (no I/O) so every rule is testable on its own:

- text is plain: it is HTML-escaped and sent with parse_mode=HTML, split into several messages when it is
  longer than 4096 characters;
- media go out as sendPhoto / sendVideo / sendDocument / sendAudio; the text rides as the caption of the
  first one when it fits in 1024 characters, otherwise it is sent as its own message first;
- inline buttons go on the last message; a request for a contact or a location is a one-time reply
  keyboard, which Telegram cannot put on the same message as inline buttons, so then it gets a short
  message of its own.
"""

from __future__ import annotations

import re
from typing import Any

from aiogram.enums import ParseMode
from aiogram.methods import SendAudio, SendDocument, SendMessage, SendPhoto, SendVideo
from aiogram.methods.base import TelegramMethod
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bots.telegram.text import CAPTION_LIMIT, MESSAGE_LIMIT, escape, fits, split_text
from dialogue.messages import Button, Media, Outbound

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data

_MEDIA_METHODS: dict[str, type[TelegramMethod[Any]]] = {
    "photo": SendPhoto,
    "video": SendVideo,
    "document": SendDocument,
    "audio": SendAudio,
}
_MEDIA_FIELD = {SendPhoto: "photo", SendVideo: "video", SendDocument: "document", SendAudio: "audio"}

_CYRILLIC = re.compile("[а-яёА-ЯЁ]")
# Labels of the reply-keyboard buttons, in the Outbound's language (or the text's script when it has none).
_LABELS = {
    "ru": {"contact": "📱 Отправить номер телефона", "location": "📍 Отправить местоположение"},
    "en": {"contact": "📱 Share phone number", "location": "📍 Share location"},
}


class UnsendableError(ValueError):
    """The Outbound cannot be expressed in the Bot API (a bug upstream, not a platform failure)."""


def chat_ref(chat_id: str) -> int | str:
    """Return the chat id as Telegram wants it: a number, or an @channel username as is."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


def plan_outbound(out: Outbound) -> list[TelegramMethod[Any]]:
    """Return the Bot API calls that deliver `out`, in sending order.

    Raises:
        UnsendableError: nothing to send, or a button that Telegram would reject.
    """
    chat = chat_ref(out.chat_id)
    thread = int(out.thread_id) if out.thread_id and out.thread_id.lstrip("-").isdigit() else None
    text = out.text.strip() if out.text else ""
    if not text and not out.media:
        raise UnsendableError("an Outbound needs text or media; the engine produced an empty message")

    steps: list[TelegramMethod[Any]] = []
    caption_for_first = bool(out.media) and bool(text) and fits(text, CAPTION_LIMIT)
    if text and not caption_for_first:
        steps.extend(_text_message(chat, piece, thread) for piece in split_text(text, MESSAGE_LIMIT))
    for index, media in enumerate(out.media):
        caption = text if caption_for_first and index == 0 else (media.caption or "").strip()
        if caption and not fits(caption, CAPTION_LIMIT):
            steps.append(_media_message(chat, media, "", thread))
            steps.extend(_text_message(chat, piece, thread) for piece in split_text(caption, MESSAGE_LIMIT))
        else:
            steps.append(_media_message(chat, media, caption, thread))

    inline = inline_keyboard(out.buttons)
    reply = reply_keyboard(out)
    if inline is not None:
        steps[-1] = steps[-1].model_copy(update={"reply_markup": inline})
    if reply is not None:
        bare = [i for i, step in enumerate(steps) if getattr(step, "reply_markup", None) is None]
        if bare:
            steps[bare[0]] = steps[bare[0]].model_copy(update={"reply_markup": reply})
        else:
            label = reply.keyboard[0][0].text
            steps.append(
                SendMessage(
                    chat_id=chat,
                    text=escape(label),
                    message_thread_id=thread,
                    parse_mode=ParseMode.HTML,
                    reply_markup=reply,
                )
            )
    return steps


def inline_keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Build the inline keyboard for button rows (None when there are no buttons)."""
    keyboard = [[_inline_button(button) for button in row] for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=keyboard) if keyboard else None


def reply_keyboard(out: Outbound) -> ReplyKeyboardMarkup | None:
    """Build the one-time keyboard that asks for a contact or a location (None when not asked)."""
    if not (out.request_contact or out.request_location):
        return None
    lang = out.lang if out.lang in _LABELS else ("ru" if _CYRILLIC.search(out.text or "") else "en")
    labels = _LABELS[lang]
    row: list[KeyboardButton] = []
    if out.request_contact:
        row.append(KeyboardButton(text=labels["contact"], request_contact=True))
    if out.request_location:
        row.append(KeyboardButton(text=labels["location"], request_location=True))
    return ReplyKeyboardMarkup(keyboard=[row], resize_keyboard=True, one_time_keyboard=True)


def _inline_button(button: Button) -> InlineKeyboardButton:
    if button.url:
        return InlineKeyboardButton(text=button.text, url=button.url)
    if not button.payload:
        raise UnsendableError(f"button {button.text!r} has neither a payload nor a url")
    if len(button.payload.encode("utf-8")) > CALLBACK_DATA_LIMIT:
        # Truncating would break the payload's signature; the engine must make it shorter.
        raise UnsendableError(
            f"button {button.text!r}: payload is {len(button.payload.encode())} bytes, "
            f"Telegram allows {CALLBACK_DATA_LIMIT}"
        )
    return InlineKeyboardButton(text=button.text, callback_data=button.payload)


def _text_message(chat: int | str, text: str, thread: int | None) -> SendMessage:
    return SendMessage(chat_id=chat, text=escape(text), parse_mode=ParseMode.HTML, message_thread_id=thread)


def _media_message(chat: int | str, media: Media, caption: str, thread: int | None) -> TelegramMethod[Any]:
    method = _MEDIA_METHODS.get(media.kind, SendDocument)
    fields: dict[str, Any] = {
        "chat_id": chat,
        _MEDIA_FIELD[method]: media.file_id,
        "message_thread_id": thread,
    }
    if caption:
        fields["caption"] = escape(caption)
        fields["parse_mode"] = ParseMode.HTML
    return method(**fields)
