"""python-telegram-bot update -> channel-neutral `Inbound`, the same `Inbound` the aiogram adapter makes."""

from __future__ import annotations

import telegram as tg

from bots.telegram.inbound import USER_CONTENT_FIELDS, dedup_key
from dialogue.messages import Bot, Channel, Contact, Inbound, Location, Media


def is_user_content(message: tg.Message) -> bool:
    """Tell whether a message was written by a person (not a service message, not a bot)."""
    if message.from_user is not None and message.from_user.is_bot:
        return False
    # PTB gives an empty tuple (not None) for a missing photo list; both are falsy.
    return any(getattr(message, name, None) for name in USER_CONTENT_FIELDS)


def message_to_inbound(bot_kind: Bot, update_id: int, message: tg.Message) -> Inbound:
    """Convert a message (new or edited) into an Inbound."""
    user = message.from_user
    sender_name: str | None
    if user is not None:
        sender_id, sender_name, lang = str(user.id), user.full_name, user.language_code
    elif message.sender_chat is not None:
        # Anonymous group admins and channel posts speak as a chat, not a user.
        sender_id, sender_name, lang = str(message.sender_chat.id), message.sender_chat.title, None
    else:
        sender_id, sender_name, lang = str(message.chat.id), None, None
    return Inbound(
        channel=Channel.TELEGRAM,
        bot=bot_kind,
        chat_id=str(message.chat.id),
        sender_id=sender_id,
        dedup_key=dedup_key(bot_kind, update_id),
        text=message.text if message.text is not None else message.caption,
        media=_media(message),
        location=_location(message),
        contact=_contact(message),
        sender_name=sender_name,
        lang=lang,
        thread_id=_thread_id(message),
    )


def callback_to_inbound(bot_kind: Bot, update_id: int, query: tg.CallbackQuery) -> Inbound:
    """Convert a button press into an Inbound whose payload is the button's callback_data."""
    user = query.from_user
    message = query.message
    # Without a message (a button under an inline-mode result) the only chat we can answer is the user's.
    chat_id = str(message.chat.id) if message is not None else str(user.id)
    thread_id = _thread_id(message) if isinstance(message, tg.Message) else None
    payload = query.data if isinstance(query.data, str) else None
    return Inbound(
        channel=Channel.TELEGRAM,
        bot=bot_kind,
        chat_id=chat_id,
        sender_id=str(user.id),
        dedup_key=dedup_key(bot_kind, update_id),
        payload=payload,
        sender_name=user.full_name,
        lang=user.language_code,
        thread_id=thread_id,
    )


def _thread_id(message: tg.Message) -> str | None:
    # Replies in ordinary supergroups also carry message_thread_id; only forum topics are threads to us.
    if message.is_topic_message and message.message_thread_id is not None:
        return str(message.message_thread_id)
    return None


def _media(message: tg.Message) -> tuple[Media, ...]:
    caption = message.caption
    if message.photo:
        # Telegram lists the sizes of one photo; the last is the largest, but order is not promised.
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return (Media("photo", largest.file_id, caption, "image/jpeg"),)
    if message.video is not None:
        return (Media("video", message.video.file_id, caption, message.video.mime_type),)
    if message.video_note is not None:
        return (Media("video", message.video_note.file_id, caption, "video/mp4"),)
    if message.document is not None:
        return (Media("document", message.document.file_id, caption, message.document.mime_type),)
    if message.voice is not None:
        return (Media("audio", message.voice.file_id, caption, message.voice.mime_type),)
    if message.audio is not None:
        return (Media("audio", message.audio.file_id, caption, message.audio.mime_type),)
    return ()


def _location(message: tg.Message) -> Location | None:
    if message.location is None:
        return None
    return Location(lat=message.location.latitude, lon=message.location.longitude)


def _contact(message: tg.Message) -> Contact | None:
    contact = message.contact
    if contact is None:
        return None
    return Contact(
        phone=contact.phone_number,
        first_name=contact.first_name,
        last_name=contact.last_name,
        user_id=str(contact.user_id) if contact.user_id is not None else None,
    )
