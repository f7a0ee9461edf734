"""A Telegram update, as the Bot API's JSON dict, -> channel-neutral `Inbound`.

Both frameworks can give the update as that dict (aiogram: `update.model_dump(mode="json", by_alias=True,
exclude_none=True)`; python-telegram-bot: `update.to_dict()`), so one conversion serves both and an
`Inbound` cannot depend on which library read the update.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from dialogue.messages import Bot, Channel, Contact, Inbound, Location, Media

log = logging.getLogger(__name__)

Json = Mapping[str, Any]

# The update types we read; polling and the webhook ask Telegram for exactly these.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")

# A message is something a person said only when it carries one of these; service messages
# (members joined, title changed, pinned...) have none and are not the engine's business.
USER_CONTENT_FIELDS = (
    "text",
    "caption",
    "photo",
    "video",
    "video_note",
    "voice",
    "audio",
    "document",
    "animation",
    "sticker",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)

# Which kind of `Media` each attachment becomes, first match wins; None keeps the file's own mime type.
_ATTACHMENTS: tuple[tuple[str, str, str | None], ...] = (
    ("video", "video", None),
    ("video_note", "video", "video/mp4"),
    ("document", "document", None),
    ("voice", "audio", None),
    ("audio", "audio", None),
)


def dedup_key(bot_kind: Bot, update_id: int) -> str:
    """Return the dedup key of one update of one bot."""
    return f"tg:{bot_kind}:{update_id}"


def update_to_inbound(bot_kind: Bot, update: Json) -> Inbound | None:
    """Convert one update into an Inbound; None for what is not the engine's business.

    That is: service messages and messages from bots, button presses without callback data (game
    buttons; we offer none) and update types outside `ALLOWED_UPDATES`.
    """
    update_id = int(update["update_id"])
    message = update.get("message") or update.get("edited_message")
    if message is not None:
        if not is_user_content(message):
            log.debug("skipping service message in chat %s", message["chat"]["id"])
            return None
        return message_to_inbound(bot_kind, update_id, message)
    query = update.get("callback_query")
    if query is not None and isinstance(query.get("data"), str):
        return callback_to_inbound(bot_kind, update_id, query)
    return None


def is_user_content(message: Json) -> bool:
    """Tell whether a message was written by a person (not a service message, not a bot)."""
    if (message.get("from") or {}).get("is_bot"):
        return False
    return any(message.get(name) for name in USER_CONTENT_FIELDS)


def message_to_inbound(bot_kind: Bot, update_id: int, message: Json) -> Inbound:
    """Convert a message (new or edited) into an Inbound."""
    user = message.get("from")
    sender_chat = message.get("sender_chat")
    sender_name: str | None
    if user is not None:
        sender_id, sender_name, lang = str(user["id"]), full_name(user), user.get("language_code")
    elif sender_chat is not None:
        # Anonymous group admins and channel posts speak as a chat, not a user.
        sender_id, sender_name, lang = str(sender_chat["id"]), sender_chat.get("title"), None
    else:
        sender_id, sender_name, lang = str(message["chat"]["id"]), None, None
    text = message.get("text")
    return Inbound(
        channel=Channel.TELEGRAM,
        bot=bot_kind,
        chat_id=str(message["chat"]["id"]),
        sender_id=sender_id,
        dedup_key=dedup_key(bot_kind, update_id),
        text=text if text is not None else message.get("caption"),
        media=_media(message),
        location=_location(message),
        contact=_contact(message),
        sender_name=sender_name,
        lang=lang,
        thread_id=_thread_id(message),
        reply_to=_reply_to(message),
    )


def callback_to_inbound(bot_kind: Bot, update_id: int, query: Json) -> Inbound:
    """Convert a button press into an Inbound whose payload is the button's callback_data."""
    user = query["from"]
    message = query.get("message")
    # Without a message (a button under an inline-mode result) the only chat we can answer is the user's.
    chat_id = str(message["chat"]["id"]) if message is not None else str(user["id"])
    data = query.get("data")
    return Inbound(
        channel=Channel.TELEGRAM,
        bot=bot_kind,
        chat_id=chat_id,
        sender_id=str(user["id"]),
        dedup_key=dedup_key(bot_kind, update_id),
        payload=data if isinstance(data, str) else None,
        sender_name=full_name(user),
        lang=user.get("language_code"),
        # An inaccessible (too old) message has no topic fields, so it gives None too.
        thread_id=_thread_id(message) if message is not None else None,
    )


def full_name(user: Json) -> str:
    """Return a user's first and last name, as both frameworks' `full_name` do."""
    last = user.get("last_name")
    return f"{user['first_name']} {last}" if last else str(user["first_name"])


def _thread_id(message: Json) -> str | None:
    # Replies in ordinary supergroups also carry message_thread_id; only forum topics are threads to us.
    thread = message.get("message_thread_id")
    if message.get("is_topic_message") and thread is not None:
        return str(thread)
    return None


def _reply_to(message: Json) -> str | None:
    # Outside forum topics a reply carries the root of its reply thread as message_thread_id (replies to
    # replies keep the root); older updates may have only reply_to_message.
    if message.get("is_topic_message"):
        return None
    root = message.get("message_thread_id")
    if root is None:
        root = (message.get("reply_to_message") or {}).get("message_id")
    return str(root) if root is not None else None


def _media(message: Json) -> tuple[Media, ...]:
    caption = message.get("caption")
    photo = message.get("photo")
    if photo:
        # Telegram lists the sizes of one photo; the last is the largest, but order is not promised.
        largest = max(photo, key=lambda p: (p["width"] * p["height"], p.get("file_size") or 0))
        return (Media("photo", largest["file_id"], caption, "image/jpeg"),)
    for field, kind, mime_type in _ATTACHMENTS:
        attachment = message.get(field)
        if attachment is not None:
            return (Media(kind, attachment["file_id"], caption, mime_type or attachment.get("mime_type")),)
    return ()


def _location(message: Json) -> Location | None:
    location = message.get("location")
    if location is None:
        return None
    return Location(lat=location["latitude"], lon=location["longitude"])


def _contact(message: Json) -> Contact | None:
    contact = message.get("contact")
    if contact is None:
        return None
    user_id = contact.get("user_id")
    return Contact(
        phone=contact["phone_number"],
        first_name=contact["first_name"],
        last_name=contact.get("last_name"),
        user_id=str(user_id) if user_id is not None else None,
    )
