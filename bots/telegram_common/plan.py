"""Channel-neutral `Outbound` -> the Bot API sends that deliver it, in order, as plain values.

Planning is pure (no I/O, no framework), so every rule is testable on its own and both adapters send the
same calls; each adapter only turns a `SendStep` into its library's call:

- text is plain: it is HTML-escaped and sent with parse_mode=HTML, split into several messages when it is
  longer than 4096 characters;
- media go out as sendPhoto / sendVideo / sendDocument / sendAudio; the text rides as the caption of the
  first one when it fits in 1024 characters, otherwise it is sent as its own message first;
- inline buttons go on the last message; a request for a contact or a location is a one-time reply
  keyboard, which Telegram cannot put on the same message as inline buttons, so then it gets a short
  message of its own.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bots.telegram_common.errors import UnsendableError
from bots.telegram_common.text import CAPTION_LIMIT, MESSAGE_LIMIT, escape, fits, markdown_html, split_text
from dialogue.i18n import N_, say
from dialogue.messages import Button, Outbound

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for callback_data

_CYRILLIC = re.compile("[а-яёА-ЯЁ]")
# Labels of the reply-keyboard buttons, in the Outbound's language (or the text's script when it has none).
REPLY_LABELS = {"contact": N_("📱 Share phone number"), "location": N_("📍 Share location")}


class SendKind(StrEnum):
    """The Bot API method one step uses."""

    MESSAGE = "sendMessage"
    PHOTO = "sendPhoto"
    VIDEO = "sendVideo"
    DOCUMENT = "sendDocument"
    AUDIO = "sendAudio"
    EDIT_TEXT = "editMessageText"  # a live card brought up to date (text and buttons)
    EDIT_MARKUP = "editMessageReplyMarkup"  # an older card's buttons taken off

    @property
    def media_field(self) -> str:
        """The parameter that carries the file ('photo', 'video', ...); 'text' for a message."""
        return "text" if self is SendKind.MESSAGE else self.value.removeprefix("send").lower()


_MEDIA_KINDS = {
    "photo": SendKind.PHOTO,
    "video": SendKind.VIDEO,
    "document": SendKind.DOCUMENT,
    "audio": SendKind.AUDIO,
}


@dataclass(frozen=True, slots=True)
class InlineButton:
    """A button under a message: it sends `callback_data` back, or opens `url`."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class InlineKeyboard:
    """Rows of buttons under a message."""

    rows: tuple[tuple[InlineButton, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the `InlineKeyboardMarkup` as the Bot API's JSON."""
        return {
            "inline_keyboard": [
                [{k: v for k, v in dataclasses.asdict(b).items() if v is not None} for b in row]
                for row in self.rows
            ]
        }


@dataclass(frozen=True, slots=True)
class ReplyButton:
    """A button of the keyboard that replaces the phone's keyboard: shares a contact or a location."""

    text: str
    request_contact: bool = False
    request_location: bool = False


@dataclass(frozen=True, slots=True)
class ReplyKeyboard:
    """A one-time, resized reply keyboard of one row."""

    buttons: tuple[ReplyButton, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the `ReplyKeyboardMarkup` as the Bot API's JSON."""
        row = [{k: v for k, v in dataclasses.asdict(b).items() if v} for b in self.buttons]
        return {"keyboard": [row], "resize_keyboard": True, "one_time_keyboard": True}


@dataclass(frozen=True, slots=True)
class KeyboardRemoval:
    """`ReplyKeyboardRemove`: takes away a reply keyboard the person answered another way (typed the address)."""

    def to_dict(self) -> dict[str, Any]:
        """Return the `ReplyKeyboardRemove` as the Bot API's JSON."""
        return {"remove_keyboard": True}


Markup = InlineKeyboard | ReplyKeyboard | KeyboardRemoval


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
        reply_to: the message this one replies to (a reply thread in a group without topics).
        message_id: the message an edit changes.
    """

    kind: SendKind
    chat_id: int | str
    text: str
    file_id: str | None = None
    thread_id: int | None = None
    reply_markup: Markup | None = None
    reply_to: int | None = None
    message_id: int | None = None

    def to_chat(self, chat_id: int | str) -> SendStep:
        """Return the same step addressed to another chat (a group that became a supergroup)."""
        return dataclasses.replace(self, chat_id=chat_id)


def chat_ref(chat_id: str) -> int | str:
    """Return the chat id as Telegram wants it: a number, or an @channel username as is."""
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


def plan_outbound(out: Outbound) -> list[SendStep]:
    """Return the sends that deliver `out`, in sending order.

    Raises:
        UnsendableError: nothing to send, or a button that Telegram would reject.
    """
    chat = chat_ref(out.chat_id)
    thread = _int_or_none(out.thread_id)
    text = out.text.strip() if out.text else ""
    if not text and not out.media:
        raise UnsendableError("an Outbound needs text or media; the engine produced an empty message")

    steps: list[SendStep] = []
    caption_for_first = bool(out.media) and bool(text) and fits(text, CAPTION_LIMIT)
    if text and not caption_for_first:
        steps.extend(_text(chat, piece, thread, out.markdown) for piece in split_text(text, MESSAGE_LIMIT))
    for index, media in enumerate(out.media):
        caption = text if caption_for_first and index == 0 else (media.caption or "").strip()
        kind = _MEDIA_KINDS.get(media.kind, SendKind.DOCUMENT)
        if caption and not fits(caption, CAPTION_LIMIT):
            steps.append(SendStep(kind, chat, "", media.file_id, thread))
            steps.extend(
                _text(chat, piece, thread, out.markdown) for piece in split_text(caption, MESSAGE_LIMIT)
            )
        else:
            shown = markdown_html(caption) if out.markdown and caption == text else escape(caption)
            steps.append(SendStep(kind, chat, shown, media.file_id, thread))

    inline = inline_keyboard(out.buttons)
    reply: ReplyKeyboard | KeyboardRemoval | None = reply_keyboard(out)
    if reply is None and out.remove_keyboard:
        reply = KeyboardRemoval()
    if inline is not None:
        steps[-1] = dataclasses.replace(steps[-1], reply_markup=inline)
    if isinstance(reply, KeyboardRemoval):
        # A message carries one keyboard: the removal rides on a step without inline buttons (the dialogue
        # sends it on a short acknowledgement), else it waits for the next such message.
        bare = [i for i, step in enumerate(steps) if step.reply_markup is None]
        if bare:
            steps[bare[0]] = dataclasses.replace(steps[bare[0]], reply_markup=reply)
    elif reply is not None:
        bare = [i for i, step in enumerate(steps) if step.reply_markup is None]
        if bare:
            steps[bare[0]] = dataclasses.replace(steps[bare[0]], reply_markup=reply)
        else:
            label = reply.buttons[0].text
            steps.append(SendStep(SendKind.MESSAGE, chat, escape(label), None, thread, reply))
    reply_to = _int_or_none(out.reply_to)
    if reply_to is not None:
        steps = [dataclasses.replace(step, reply_to=reply_to) for step in steps]
    return steps


def plan_edit(out: Outbound) -> SendStep | None:
    """The editMessageText that brings a live card (`out.edit_of`) up to date, or None when it cannot be an
    edit (no message to edit, media, a reply keyboard, or a text longer than one message): then it is sent."""
    message_id = _int_or_none(out.edit_of)
    text = out.text.strip() if out.text else ""
    if message_id is None or out.media or out.request_contact or out.request_location or not text:
        return None
    pieces = split_text(text, MESSAGE_LIMIT)
    if len(pieces) != 1:
        return None
    shown = markdown_html(text) if out.markdown else escape(text)
    # No buttons is an empty keyboard, which takes the old ones off (leaving the field out would keep them).
    markup = inline_keyboard(out.buttons) or InlineKeyboard(())
    return SendStep(
        SendKind.EDIT_TEXT, chat_ref(out.chat_id), shown, reply_markup=markup, message_id=message_id
    )


def plan_retire(out: Outbound) -> SendStep | None:
    """The editMessageReplyMarkup that takes the buttons off an older message of a card (`out.retire`)."""
    message_id = _int_or_none(out.retire)
    if message_id is None:
        return None
    return SendStep(
        SendKind.EDIT_MARKUP,
        chat_ref(out.chat_id),
        "",
        reply_markup=InlineKeyboard(()),
        message_id=message_id,
    )


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None


def inline_keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboard | None:
    """Build the inline keyboard for button rows (None when there are no buttons).

    Raises:
        UnsendableError: a button has neither payload nor url, or its payload is over 64 bytes.
    """
    keyboard = tuple(tuple(_inline_button(button) for button in row) for row in rows if row)
    return InlineKeyboard(keyboard) if keyboard else None


def reply_keyboard(out: Outbound) -> ReplyKeyboard | None:
    """Build the one-time keyboard that asks for a contact or a location (None when not asked)."""
    if not (out.request_contact or out.request_location):
        return None
    lang = out.lang if out.lang in ("ru", "en") else ("ru" if _CYRILLIC.search(out.text or "") else "en")
    labels = {key: say(lang, label) for key, label in REPLY_LABELS.items()}
    row: list[ReplyButton] = []
    if out.request_contact:
        row.append(ReplyButton(labels["contact"], request_contact=True))
    if out.request_location:
        row.append(ReplyButton(labels["location"], request_location=True))
    return ReplyKeyboard(tuple(row))


def _inline_button(button: Button) -> InlineButton:
    if button.url:
        return InlineButton(button.text, url=button.url)
    if not button.payload:
        raise UnsendableError(f"button {button.text!r} has neither a payload nor a url")
    if len(button.payload.encode("utf-8")) > CALLBACK_DATA_LIMIT:
        # Truncating would break the payload's signature; the engine must make it shorter.
        raise UnsendableError(
            f"button {button.text!r}: payload is {len(button.payload.encode())} bytes, "
            f"Telegram allows {CALLBACK_DATA_LIMIT}"
        )
    return InlineButton(button.text, callback_data=button.payload)


def _text(chat: int | str, piece: str, thread: int | None, markdown: bool = False) -> SendStep:
    return SendStep(SendKind.MESSAGE, chat, markdown_html(piece) if markdown else escape(piece), None, thread)
