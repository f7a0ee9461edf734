"""Channel-neutral `Outbound` -> the Bot API sends that deliver it, in order (python-telegram-bot types).

The same rules as the aiogram adapter's `bots.telegram.outbound.plan_outbound`, which builds aiogram method
objects and so cannot be shared; text escaping and splitting are shared (`bots.telegram.text`):

- text is plain: HTML-escaped, sent with parse_mode=HTML, split when longer than 4096 characters;
- media go out as sendPhoto / sendVideo / sendDocument / sendAudio; the text rides as the caption of the
  first one when it fits in 1024 characters, otherwise it is sent as its own message first;
- inline buttons go on the last message; a request for a contact or a location is a one-time reply
  keyboard, which cannot share a message with inline buttons, so then it gets a short message of its own.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

# The reply-keyboard labels are the aiogram adapter's, so a person sees the same words on either stack.
from bots.telegram.outbound import _LABELS as REPLY_LABELS
from bots.telegram.outbound import CALLBACK_DATA_LIMIT, UnsendableError, chat_ref
from bots.telegram.text import CAPTION_LIMIT, MESSAGE_LIMIT, escape, fits, split_text
from dialogue.messages import Button, Outbound

_CYRILLIC = re.compile("[а-яёА-ЯЁ]")

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup

__all__ = ["Markup", "SendKind", "SendStep", "UnsendableError", "inline_keyboard", "plan_outbound"]


class SendKind(StrEnum):
    """The Bot API method one step uses."""

    MESSAGE = "sendMessage"
    PHOTO = "sendPhoto"
    VIDEO = "sendVideo"
    DOCUMENT = "sendDocument"
    AUDIO = "sendAudio"


_MEDIA_KINDS = {
    "photo": SendKind.PHOTO,
    "video": SendKind.VIDEO,
    "document": SendKind.DOCUMENT,
    "audio": SendKind.AUDIO,
}


@dataclass(frozen=True, slots=True)
class SendStep:
    """One Bot API send.

    Attributes:
        kind: the method.
        chat_id: the target chat (a number, or an @channel name).
        text: HTML-escaped text of a message, or the caption of a media message ('' for none).
        file_id: the file id or URL of the media (None for a text message).
        thread_id: the forum topic.
        reply_markup: inline or reply keyboard.
    """

    kind: SendKind
    chat_id: int | str
    text: str
    file_id: str | None = None
    thread_id: int | None = None
    reply_markup: Markup | None = None

    def to_chat(self, chat_id: int | str) -> SendStep:
        """Return the same step addressed to another chat (a group that became a supergroup)."""
        return dataclasses.replace(self, chat_id=chat_id)


def plan_outbound(out: Outbound) -> list[SendStep]:
    """Return the sends that deliver `out`, in sending order.

    Raises:
        UnsendableError: nothing to send, or a button that Telegram would reject.
    """
    chat = chat_ref(out.chat_id)
    thread = int(out.thread_id) if out.thread_id and out.thread_id.lstrip("-").isdigit() else None
    text = out.text.strip() if out.text else ""
    if not text and not out.media:
        raise UnsendableError("an Outbound needs text or media; the engine produced an empty message")

    steps: list[SendStep] = []
    caption_for_first = bool(out.media) and bool(text) and fits(text, CAPTION_LIMIT)
    if text and not caption_for_first:
        steps.extend(_text(chat, piece, thread) for piece in split_text(text, MESSAGE_LIMIT))
    for index, media in enumerate(out.media):
        caption = text if caption_for_first and index == 0 else (media.caption or "").strip()
        kind = _MEDIA_KINDS.get(media.kind, SendKind.DOCUMENT)
        if caption and not fits(caption, CAPTION_LIMIT):
            steps.append(SendStep(kind, chat, "", media.file_id, thread))
            steps.extend(_text(chat, piece, thread) for piece in split_text(caption, MESSAGE_LIMIT))
        else:
            steps.append(SendStep(kind, chat, escape(caption), media.file_id, thread))

    inline = inline_keyboard(out.buttons)
    reply = reply_keyboard(out)
    if inline is not None:
        steps[-1] = dataclasses.replace(steps[-1], reply_markup=inline)
    if reply is not None:
        bare = [i for i, step in enumerate(steps) if step.reply_markup is None]
        if bare:
            steps[bare[0]] = dataclasses.replace(steps[bare[0]], reply_markup=reply)
        else:
            label = reply.keyboard[0][0].text
            steps.append(SendStep(SendKind.MESSAGE, chat, escape(label), None, thread, reply))
    return steps


def inline_keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Build the inline keyboard for button rows (None when there are no buttons)."""
    keyboard = [[_inline_button(button) for button in row] for row in rows if row]
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def reply_keyboard(out: Outbound) -> ReplyKeyboardMarkup | None:
    """Build the one-time reply keyboard that asks for a contact or a location (None when not asked)."""
    if not (out.request_contact or out.request_location):
        return None
    lang = out.lang if out.lang in REPLY_LABELS else ("ru" if _CYRILLIC.search(out.text or "") else "en")
    labels = REPLY_LABELS[lang]
    row: list[KeyboardButton] = []
    if out.request_contact:
        row.append(KeyboardButton(labels["contact"], request_contact=True))
    if out.request_location:
        row.append(KeyboardButton(labels["location"], request_location=True))
    return ReplyKeyboardMarkup([row], resize_keyboard=True, one_time_keyboard=True)


def _inline_button(button: Button) -> InlineKeyboardButton:
    if button.url:
        return InlineKeyboardButton(button.text, url=button.url)
    if not button.payload:
        raise UnsendableError(f"button {button.text!r} has neither a payload nor a url")
    if len(button.payload.encode("utf-8")) > CALLBACK_DATA_LIMIT:
        # Truncating would break the payload's signature; the engine must make it shorter.
        raise UnsendableError(
            f"button {button.text!r}: payload is {len(button.payload.encode())} bytes, "
            f"Telegram allows {CALLBACK_DATA_LIMIT}"
        )
    return InlineKeyboardButton(button.text, callback_data=button.payload)


def _text(chat: int | str, piece: str, thread: int | None) -> SendStep:
    return SendStep(SendKind.MESSAGE, chat, escape(piece), None, thread)
