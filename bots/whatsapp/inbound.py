"""A Cloud API webhook body -> `Inbound` messages and delivery statuses.

Meta nests everything: `entry[].changes[].value` holds `messages[]` (what people wrote), `contacts[]`
(their profile names) and `statuses[]` (what became of our messages). Parsing never raises: a part that
is not in the documented shape is skipped and counted, because Meta re-sends a webhook it did not get
a 200 for, for days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dialogue.messages import Bot, Channel, Contact, Inbound, Location, Media

log = logging.getLogger(__name__)

# WhatsApp media type -> the neutral `Media.kind` the engine knows.
MEDIA_KINDS = {
    "image": "photo",
    "video": "video",
    "document": "document",
    "audio": "audio",
    "voice": "audio",
    "sticker": "sticker",
}
# Longer ids are not Meta's (a wa_id is a phone number, a wamid about 60 characters) and would not fit
# where they are kept (a chat id has 64 characters, an inbox dedup key 200): such a message is skipped
# as malformed rather than failing to be recorded, which Meta would retry for days.
MAX_SENDER = 64
MAX_MESSAGE_ID = 190
# Types that carry something the engine can act on; anything else becomes an empty Inbound.
SUPPORTED_TYPES = {"text", "interactive", "button", "location", "contacts", *MEDIA_KINDS}


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """One message a person sent, converted, with what the adapter needs besides the `Inbound`."""

    inbound: Inbound
    message_id: str
    type: str
    sent_at: datetime | None

    @property
    def supported(self) -> bool:
        """Whether the message carried anything the engine can read (else it gets a polite answer)."""
        return self.type in SUPPORTED_TYPES


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """What became of a message we sent: sent, delivered, read or failed (with Graph error codes)."""

    message_id: str
    recipient_id: str
    status: str
    at: datetime | None
    errors: tuple[tuple[int, str], ...] = ()


@dataclass(slots=True)
class WebhookBatch:
    """Everything one webhook POST carried for our phone number."""

    messages: list[ReceivedMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    skipped: int = 0  # malformed parts, other fields, other phone numbers


def dedup_key(message_id: str) -> str:
    """Return the dedup key of one WhatsApp message (stable across retries and processes)."""
    return f"wa:{message_id}"


def parse_webhook(body: Any, phone_number_id: str) -> WebhookBatch:
    """Return the messages and statuses in a webhook body addressed to `phone_number_id`."""
    batch = WebhookBatch()
    if not isinstance(body, dict):
        batch.skipped += 1
        return batch
    for entry in _dicts(body.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field", "messages") != "messages" or not isinstance(value, dict):
                batch.skipped += 1
                continue
            metadata = value.get("metadata")
            target = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            if target is not None and str(target) != phone_number_id:
                # One app may serve several numbers; another number's traffic is not ours to answer.
                batch.skipped += 1
                continue
            _parse_value(value, batch)
    return batch


def _parse_value(value: dict[str, Any], batch: WebhookBatch) -> None:
    names = {
        str(c.get("wa_id")): profile.get("name")
        for c in _dicts(value.get("contacts"))
        if isinstance(profile := c.get("profile"), dict)
    }
    for raw in _dicts(value.get("messages")):
        message = _message(raw, names)
        if message is None:
            batch.skipped += 1
        else:
            batch.messages.append(message)
    for raw in _dicts(value.get("statuses")):
        status = _status(raw)
        if status is None:
            batch.skipped += 1
        else:
            batch.statuses.append(status)
    for error in _dicts(value.get("errors")):
        log.warning("WhatsApp webhook error %s: %s", error.get("code"), error.get("title"))


def _message(raw: dict[str, Any], names: dict[str, Any]) -> ReceivedMessage | None:
    sender, message_id = raw.get("from"), raw.get("id")
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER:
        return None
    if not isinstance(message_id, str) or not 0 < len(message_id) <= MAX_MESSAGE_ID:
        return None
    kind = str(raw.get("type") or "unknown")
    found = raw.get(kind)
    body: dict[str, Any] = found if isinstance(found, dict) else {}
    text: str | None = None
    payload: str | None = None
    media: tuple[Media, ...] = ()
    location: Location | None = None
    contact: Contact | None = None
    if kind == "text":
        text = _str(body.get("body"))
    elif kind == "interactive":
        payload = _interactive_payload(body)
    elif kind == "button":
        # A quick-reply button of a template; without a payload its label is what the person "said".
        payload = _str(body.get("payload"))
        text = None if payload else _str(body.get("text"))
    elif kind in MEDIA_KINDS and _str(body.get("id")):
        caption = _str(body.get("caption"))
        media = (Media(MEDIA_KINDS[kind], str(body["id"]), caption, _str(body.get("mime_type"))),)
        text = caption
    elif kind == "location":
        location = _location(body)
    elif kind == "contacts":
        contact = _contact(raw.get("contacts"))
    if kind not in SUPPORTED_TYPES:
        details = [e.get("title") or e.get("details") for e in _dicts(raw.get("errors"))]
        log.info("WhatsApp message %s of unsupported type %s %s", message_id, kind, details or "")
    name = names.get(sender)
    inbound = Inbound(
        channel=Channel.WHATSAPP,
        bot=Bot.CLIENT,
        chat_id=sender,
        sender_id=sender,
        dedup_key=dedup_key(message_id),
        text=text,
        payload=payload,
        media=media,
        location=location,
        contact=contact,
        sender_name=name if isinstance(name, str) and name else None,
        lang=None,
    )
    return ReceivedMessage(inbound, message_id, kind, _time(raw.get("timestamp")))


def _interactive_payload(body: dict[str, Any]) -> str | None:
    reply = body.get(str(body.get("type")))
    if body.get("type") in ("button_reply", "list_reply") and isinstance(reply, dict):
        return _str(reply.get("id"))
    return None


def _location(body: dict[str, Any]) -> Location | None:
    try:
        return Location(lat=float(body["latitude"]), lon=float(body["longitude"]))
    except (KeyError, TypeError, ValueError):
        return None


def _contact(raw: Any) -> Contact | None:
    for card in _dicts(raw):
        found = card.get("name")
        name: dict[str, Any] = found if isinstance(found, dict) else {}
        for phone in _dicts(card.get("phones")):
            number = _str(phone.get("phone")) or _str(phone.get("wa_id"))
            if number:
                return Contact(
                    phone=number,
                    first_name=_str(name.get("first_name")) or _str(name.get("formatted_name")),
                    last_name=_str(name.get("last_name")),
                    user_id=_str(phone.get("wa_id")),
                )
    return None


def _status(raw: dict[str, Any]) -> StatusUpdate | None:
    message_id, status = raw.get("id"), raw.get("status")
    if not isinstance(message_id, str) or not isinstance(status, str):
        return None
    errors = tuple(
        (
            int(e["code"]) if str(e.get("code", "")).isdigit() else 0,
            str(e.get("title") or e.get("message") or ""),
        )
        for e in _dicts(raw.get("errors"))
    )
    return StatusUpdate(
        message_id, str(raw.get("recipient_id") or ""), status, _time(raw.get("timestamp")), errors
    )


def _time(raw: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _str(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and raw != "" else None


def _dicts(raw: Any) -> list[dict[str, Any]]:
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
