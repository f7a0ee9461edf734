"""Check what a web chat page posts and turn it into an `Inbound`; bad input raises `BadRequest`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from dialogue.messages import MAX_TEXT_CHARS, Bot, Channel, Inbound, Location, Media
from dialogue.safe_input import JsonInputError, decode_json

MAX_TEXT = MAX_TEXT_CHARS  # what the engine takes; the page's text box stops there too
MAX_PAYLOAD = 256
MAX_NAME = 100
MAX_LABEL = 200
ID_RE = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


class BadRequest(ValueError):
    """Input the page should not have sent; the message tells the sender what to fix."""


@dataclass(frozen=True, slots=True)
class SendRequest:
    """One validated message from a web chat page."""

    bot: Bot
    chat_id: str
    client_msg_id: str
    text: str | None = None
    payload: str | None = None
    label: str | None = None
    location: Location | None = None
    name: str | None = None
    lang: str | None = None
    media: tuple[Media, ...] = ()

    @property
    def dedup_key(self) -> str:
        """Return the key that makes a resent message (same page id) a duplicate."""
        return dedup_key(self.bot, self.chat_id, self.client_msg_id)

    def to_inbound(self) -> Inbound:
        """Return the channel-neutral message the engine handles."""
        return Inbound(
            channel=Channel.WEB,
            bot=self.bot,
            chat_id=self.chat_id,
            sender_id=self.chat_id,
            dedup_key=self.dedup_key,
            text=self.text,
            payload=self.payload,
            media=self.media,
            location=self.location,
            sender_name=self.name,
            lang=self.lang,
        )


def dedup_key(bot: Bot, chat_id: str, client_msg_id: str) -> str:
    """Return the dedup key of one message a page sent."""
    return f"web:{bot}:{chat_id}:{client_msg_id}"


def decode_body(raw: bytes) -> Any:
    """Decode the JSON body a page posted, within the app's limits for every JSON body.

    Raises:
        BadRequest: not UTF-8 JSON, nested too deeply, or NaN/Infinity or a number beyond 64 bits.
            Control characters are stripped (as in every chat message), not refused.
    """
    try:
        return decode_json(raw)
    except JsonInputError as e:
        raise BadRequest(f"the body is not valid JSON: send a UTF-8 JSON object ({e})") from None


def parse_bot(value: str) -> Bot:
    """Return the bot named in the URL, or raise BadRequest."""
    try:
        return Bot(value)
    except ValueError:
        raise BadRequest(f"unknown bot {value[:40]!r}: use 'client' or 'staff'") from None


def parse_id(value: Any, field: str) -> str:
    """Return a chat or message id, or raise BadRequest."""
    if not isinstance(value, str) or not value:
        raise BadRequest(f"'{field}' is required: a string of 1-64 letters, digits or _.:@-")
    if not ID_RE.match(value):
        raise BadRequest(f"'{field}' must be 1-64 letters, digits or _.:@- (got {len(value)} characters)")
    return value


def parse_send(bot: Bot, body: Any, *, media: tuple[Media, ...] = ()) -> SendRequest:
    """Validate the JSON body of POST send (or the form fields of an upload) and return it.

    Args:
        bot: the bot from the URL.
        body: the decoded JSON object.
        media: attachments already stored (uploads); they count as content.

    Raises:
        BadRequest: a field is missing, of the wrong type or too long, or there is nothing to send.
    """
    if not isinstance(body, dict):
        raise BadRequest(
            'the body must be a JSON object like {"chat_id": ..., "client_msg_id": ..., "text": ...}'
        )
    chat_id = parse_id(body.get("chat_id"), "chat_id")
    client_msg_id = parse_id(body.get("client_msg_id"), "client_msg_id")
    text = _optional_str(body, "text", MAX_TEXT, strip=True)
    payload = _optional_str(body, "payload", MAX_PAYLOAD)
    label = _optional_str(body, "label", MAX_LABEL, strip=True)
    name = _optional_str(body, "name", MAX_NAME, strip=True)
    lang = _optional_str(body, "lang", 12)
    if lang is not None and not LANG_RE.match(lang):
        raise BadRequest("'lang' must be a language code such as 'ru' or 'en'")
    location = _location(body.get("location"))
    if text is None and payload is None and location is None and not media:
        raise BadRequest("nothing to send: give 'text', 'payload', 'location' or a photo")
    return SendRequest(
        bot=bot,
        chat_id=chat_id,
        client_msg_id=client_msg_id,
        text=text,
        payload=payload,
        label=label,
        location=location,
        name=name,
        lang=lang,
        media=media,
    )


def _optional_str(body: dict[str, Any], field: str, limit: int, *, strip: bool = False) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{field}' must be a string")
    if strip:
        value = value.strip()
    if len(value) > limit:
        raise BadRequest(f"'{field}' is too long: {len(value)} characters, at most {limit}")
    # An empty optional field is the same as an absent one (an empty text box, no name given).
    return value or None


def _location(value: Any) -> Location | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadRequest('\'location\' must be an object like {"lat": 55.75, "lon": 37.62}')
    coords: dict[str, float] = {}
    for name, bound in (("lat", 90.0), ("lon", 180.0)):
        number = value.get(name)
        # bool is an int in Python; true/false is not a coordinate.
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise BadRequest(f"'location.{name}' must be a number")
        if not math.isfinite(number) or abs(number) > bound:
            raise BadRequest(f"'location.{name}' must be between -{bound:g} and {bound:g}")
        coords[name] = float(number)
    return Location(lat=coords["lat"], lon=coords["lon"])
