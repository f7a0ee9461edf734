"""Channel-neutral `Outbound` -> the Cloud API message bodies that deliver it, in order.

Planning is pure (no I/O), so every limit is testable on its own:

- media go first, by WhatsApp media id (or an https link); the text rides as the caption of the first
  image, video or document when it fits in 1024 characters and nothing else needs it;
- text longer than 4096 characters is split at paragraph or line ends; url buttons become links at its end;
- up to 3 payload buttons are reply buttons (titles <= 20 characters), more are one list (rows <= 10,
  titles <= 24, the full label in the row description); a location request is a location_request_message;
  an interactive body holds at most 1024 characters, so a longer text goes ahead as plain text;
- outside the 24-hour window the only thing allowed is an approved template (`template_message`).
"""

from __future__ import annotations

import logging
from typing import Any

from bots.whatsapp.text import (
    INTERACTIVE_BODY_LIMIT,
    TEXT_LIMIT,
    looks_russian,
    markdown_whatsapp,
    shorten,
    split_tail,
    split_text,
    template_param,
)
from dialogue.i18n import N_, say
from dialogue.messages import Button, Media, Outbound

log = logging.getLogger(__name__)

MAX_REPLY_BUTTONS = 3
REPLY_TITLE_LIMIT = 20
REPLY_ID_LIMIT = 256
LIST_ROWS_LIMIT = 10
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
ROW_ID_LIMIT = 200
CAPTION_LIMIT = 1024
# Neutral Media.kind -> Cloud API message type; captions are allowed on the first three only.
MEDIA_TYPES = {
    "photo": "image",
    "image": "image",
    "video": "video",
    "document": "document",
    "audio": "audio",
    "sticker": "sticker",
}
CAPTIONED = {"image", "video", "document"}
_LABELS = {
    "choose": N_("Choose"),
    "more": N_("More options:"),
    "location": N_("📍 Please share your location."),
}
"""What the Cloud API's interactive messages need in words, in the text's language."""

Body = dict[str, Any]


class UnsendableError(ValueError):
    """The Outbound cannot be expressed in the Cloud API (a bug upstream, not a platform failure)."""


def is_media_id(file_id: str) -> bool:
    """Tell whether a file id is a WhatsApp media id (Graph ids are all digits; others come from other channels)."""
    return file_id.isdigit()


def plan_outbound(out: Outbound) -> list[Body]:
    """Return the message bodies (POST /{phone_number_id}/messages) that deliver `out`, in order.

    Raises:
        UnsendableError: nothing sendable, or a button payload too long to send without breaking it.
    """
    to = out.chat_id
    text = _with_links(
        markdown_whatsapp(out.text) if out.markdown and out.text else out.text or "", out.buttons
    )
    choices = [b for row in out.buttons for b in row if not b.url]
    for button in choices:
        if not button.payload:
            raise UnsendableError(f"button {button.text!r} has neither a payload nor a url")
    media = [m for m in out.media if _sendable(m)]
    interactive = bool(choices) or out.request_location

    bodies: list[Body] = []
    caption_used = False
    for index, item in enumerate(media):
        caption = (item.caption or "").strip()
        kind = MEDIA_TYPES[item.kind]
        if index == 0 and text and not interactive and kind in CAPTIONED and len(text) <= CAPTION_LIMIT:
            caption, caption_used = text, True
        bodies.append(_media_body(to, item, kind, caption))
    if caption_used or (not text and not interactive):
        if not bodies:
            raise UnsendableError("an Outbound needs text, buttons or sendable media; there was none")
        return bodies

    if not interactive:
        bodies.extend(_text_body(to, piece) for piece in split_text(text, TEXT_LIMIT))
        return bodies
    head, body = split_tail(text, INTERACTIVE_BODY_LIMIT)
    bodies.extend(_text_body(to, piece) for piece in split_text(head, TEXT_LIMIT))
    lang = "ru" if looks_russian(text) else "en"
    labels = {key: say(lang, label) for key, label in _LABELS.items()}
    body = body or "…"  # WhatsApp requires a body on every interactive message
    if choices:
        bodies.extend(_choice_bodies(to, body, choices, labels))
    if out.request_location:
        # Buttons and a location request cannot share one message; the request goes last, near the keyboard.
        location_body = labels["location"] if choices else body
        request = {
            "type": "location_request_message",
            "body": {"text": location_body},
            "action": {"name": "send_location"},
        }
        bodies.append(_interactive(to, request))
    return bodies


def template_message(to: str, name: str, lang: str, text: str) -> Body:
    """Return an approved template message carrying `text` as its one body parameter."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": lang},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": template_param(text)}]}],
        },
    }


def template_text(out: Outbound) -> str:
    """Return the text a template should carry for `out` (its text with links, else media captions)."""
    text = _with_links(
        markdown_whatsapp(out.text) if out.markdown and out.text else out.text or "", out.buttons
    )
    if not text:
        text = " ".join((m.caption or "").strip() for m in out.media).strip()
    return text


def read_receipt(message_id: str) -> Body:
    """Return the body that marks an inbound message as read (blue ticks)."""
    return {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}


def _choice_bodies(to: str, body: str, choices: list[Button], labels: dict[str, str]) -> list[Body]:
    if len(choices) <= MAX_REPLY_BUTTONS:
        buttons = [
            {
                "type": "reply",
                "reply": {"id": _checked_id(b, REPLY_ID_LIMIT), "title": shorten(b.text, REPLY_TITLE_LIMIT)},
            }
            for b in choices
        ]
        return [_interactive(to, {"type": "button", "body": {"text": body}, "action": {"buttons": buttons}})]
    bodies = []
    # A list holds 10 rows; more choices than that go in further lists rather than being dropped.
    for start in range(0, len(choices), LIST_ROWS_LIMIT):
        rows = [_row(b) for b in choices[start : start + LIST_ROWS_LIMIT]]
        action = {"button": labels["choose"], "sections": [{"rows": rows}]}
        list_body = body if start == 0 else labels["more"]
        bodies.append(_interactive(to, {"type": "list", "body": {"text": list_body}, "action": action}))
    return bodies


def _row(button: Button) -> dict[str, str]:
    row = {"id": _checked_id(button, ROW_ID_LIMIT), "title": shorten(button.text, ROW_TITLE_LIMIT)}
    if len(button.text.strip()) > ROW_TITLE_LIMIT:
        row["description"] = shorten(button.text, ROW_DESCRIPTION_LIMIT)
    return row


def _checked_id(button: Button, limit: int) -> str:
    payload = button.payload or ""
    if len(payload) > limit:
        # Cutting would break the payload's signature; the engine must make it shorter.
        raise UnsendableError(
            f"button {button.text!r}: payload is {len(payload)} characters, WhatsApp allows {limit}"
        )
    return payload


def _with_links(text: str, rows: tuple[tuple[Button, ...], ...]) -> str:
    links = [f"{b.text}: {b.url}" for row in rows for b in row if b.url]
    return "\n\n".join(part for part in (text.strip(), "\n".join(links)) if part)


def _sendable(media: Media) -> bool:
    if media.kind not in MEDIA_TYPES:
        log.warning("WhatsApp cannot send media of kind %r (%s); skipped", media.kind, media.file_id)
        return False
    if is_media_id(media.file_id) or media.file_id.startswith("https://"):
        return True
    # A file id of another channel (Telegram, web chat) means nothing to WhatsApp; upload it first.
    log.warning("skipping %s %r: not a WhatsApp media id or https link", media.kind, media.file_id)
    return False


def _media_body(to: str, media: Media, kind: str, caption: str) -> Body:
    ref: dict[str, str] = (
        {"link": media.file_id} if media.file_id.startswith("https://") else {"id": media.file_id}
    )
    if caption and kind in CAPTIONED:
        ref["caption"] = shorten(caption, CAPTION_LIMIT)
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: ref,
    }


def _text_body(to: str, text: str) -> Body:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"body": text, "preview_url": "http" in text},
    }


def _interactive(to: str, interactive: dict[str, Any]) -> Body:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "interactive",
        "interactive": interactive,
    }
