"""Tell a person's plain text message from every other update, on the Bot API's JSON dict alone.

Most of a help desk's updates are a client typing a sentence. For those the framework's work (aiogram:
validating the whole update into pydantic models, then its dispatcher's middlewares and filters) ends in the
same `update_to_inbound(raw)` call every message handler makes, and it was a sixth of a web process's main
thread in `helpdesk bench cluster` (py-spy). `plain_text_message` recognises such an update strictly: only
the fields a plain text message carries, each of the type the Bot API gives it, from a person (not a bot).
Anything else (media, buttons, replies, a field of a newer Bot API, a wrong type) answers None, and the
caller gives the update to its framework as before, which validates it and answers 400 when it must.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MESSAGE_KEYS = ("message", "edited_message")

# Fields of a message, a chat and a user that a plain text message may carry, with their JSON types.
_MESSAGE_FIELDS: Mapping[str, type | tuple[type, ...]] = {
    "message_id": int,
    "date": int,
    "edit_date": int,
    "chat": dict,
    "from": dict,
    "text": str,
    "entities": list,
    "message_thread_id": int,
    "is_topic_message": bool,
    "link_preview_options": dict,
}
_CHAT_FIELDS: Mapping[str, type | tuple[type, ...]] = {
    "id": int,
    "type": str,
    "title": str,
    "username": str,
    "first_name": str,
    "last_name": str,
    "is_forum": bool,
}
_USER_FIELDS: Mapping[str, type | tuple[type, ...]] = {
    "id": int,
    "is_bot": bool,
    "first_name": str,
    "last_name": str,
    "username": str,
    "language_code": str,
    "is_premium": bool,
}
_ENTITY_FIELDS: Mapping[str, type | tuple[type, ...]] = {
    "type": str,
    "offset": int,
    "length": int,
    "url": str,
    "language": str,
    "custom_emoji_id": str,
}
_LINK_PREVIEW_FIELDS: Mapping[str, type | tuple[type, ...]] = {
    "is_disabled": bool,
    "url": str,
    "prefer_small_media": bool,
    "prefer_large_media": bool,
    "show_above_text": bool,
}


def _typed(value: Any, kind: type | tuple[type, ...]) -> bool:
    # bool is an int in Python, not in JSON: an id of true is not an id.
    if isinstance(value, bool) and kind is not bool:
        return False
    return isinstance(value, kind)


def _shaped(obj: object, fields: Mapping[str, type | tuple[type, ...]], required: tuple[str, ...]) -> bool:
    """`obj` is a dict of only `fields`, each of its type, with every one of `required`."""
    if not isinstance(obj, dict) or any(name not in obj for name in required):
        return False
    return all(name in fields and _typed(value, fields[name]) for name, value in obj.items())


def plain_text_message(update: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The message of `update` when it is a person's plain text message (new or edited), else None.

    Strict on purpose: a None costs the framework's path, a wrong yes would skip its validation.
    """
    if len(update) != 2 or not _typed(update.get("update_id"), int):
        return None
    message = next((update[key] for key in MESSAGE_KEYS if key in update), None)
    if not _shaped(message, _MESSAGE_FIELDS, ("message_id", "date", "chat", "from", "text")):
        return None
    assert isinstance(message, dict)
    if "edit_date" not in message and "edited_message" in update:
        return None  # an edited message always says when; let the framework judge one that does not
    if not _shaped(message["chat"], _CHAT_FIELDS, ("id", "type")):
        return None
    user = message["from"]
    if not _shaped(user, _USER_FIELDS, ("id", "is_bot", "first_name")) or user["is_bot"]:
        return None
    if not all(_shaped(e, _ENTITY_FIELDS, ("type", "offset", "length")) for e in message.get("entities", ())):
        return None
    preview = message.get("link_preview_options")
    if preview is not None and not _shaped(preview, _LINK_PREVIEW_FIELDS, ()):
        return None
    return message
