"""Channel-neutral message types: what a channel adapter hands to the engine and gets back.

`bots/` converts platform updates into `Inbound` and sends `Outbound` through the platform API.
Both are plain data and serialise to JSON-safe dicts so the outbox can store them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from dialogue.safe_input import strip_controls

MAX_TEXT_CHARS = 4000
"""The longest message a person may send: the engine refuses a longer one with a clear answer, and the web
chat's text box stops there. Below Telegram's 4,096, so what the engine adds around a quoted text fits."""


class Channel(StrEnum):
    """Where a message came from or goes to."""

    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    WEB = "web"
    EMAIL = "email"


class Bot(StrEnum):
    """Which of our bots a chat belongs to: the client-facing one or the staff one."""

    CLIENT = "client"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Media:
    """An attachment: a platform file id (or URL) and its kind."""

    kind: str  # photo | video | document | audio
    file_id: str
    caption: str | None = None
    mime_type: str | None = None
    source: str | None = None
    """Where `file_id` is valid, as "<channel>:<bot>" ("telegram:client"), when that is not the chat it is sent
    to: a client's photo forwarded to an engineer. The delivery carries the file across (a Telegram file id
    means nothing to another bot); None is the target chat's own."""

    def __post_init__(self) -> None:
        _clean(self, ("caption", "mime_type", "source"), required=("kind", "file_id"))


@dataclass(frozen=True, slots=True)
class Location:
    """A shared geographic point."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Contact:
    """A shared phone contact (Telegram contact sharing, WhatsApp contacts message)."""

    phone: str
    first_name: str | None = None
    last_name: str | None = None
    user_id: str | None = None

    def __post_init__(self) -> None:
        _clean(self, ("first_name", "last_name", "user_id"), required=("phone",))


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message or button press from a person, in any channel.

    Attributes:
        channel: the platform.
        bot: client bot or staff bot.
        chat_id: where replies go (a private chat, a group, a web session).
        sender_id: who wrote it, as the platform knows them.
        dedup_key: the platform's unique id for this update; a repeat is dropped.
        text: message text or caption.
        payload: a signed button payload, when a button was pressed.
        sender_name: display name, for registering new people.
        lang: the sender's language code as the platform reports it.
        thread_id: the forum topic the message was written in.
        reply_to: in a group without topics, the message this one answers (the root of its reply
            thread), so a reply to a ticket's card in the staff group is known to be about that ticket.
            A mail's own Message-ID, which the answer names in In-Reply-To.
        subject: a mail's subject (its `text` is the sender's own words, quotes and signature cut off); a
            mail's `thread_id` is the thread of ours it answers ("hd-1042": a ticket's, "kb": a knowledge-base
            answer), see bots.email.inbound.
    """

    channel: Channel
    bot: Bot
    chat_id: str
    sender_id: str
    dedup_key: str
    text: str | None = None
    payload: str | None = None
    media: tuple[Media, ...] = ()
    location: Location | None = None
    contact: Contact | None = None
    sender_name: str | None = None
    lang: str | None = None
    thread_id: str | None = None
    reply_to: str | None = None
    subject: str | None = None

    def __post_init__(self) -> None:
        # The one place where chat input is cleaned, whichever channel or inbox it came through.
        _clean(self, _INBOUND_OPTIONAL, required=("chat_id", "sender_id", "dedup_key"))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Inbound:
        """Rebuild an Inbound from `to_dict` output (the durable inbox stores it so)."""
        location = data.get("location")
        contact = data.get("contact")
        return cls(
            channel=Channel(data["channel"]),
            bot=Bot(data["bot"]),
            chat_id=str(data["chat_id"]),
            sender_id=str(data["sender_id"]),
            dedup_key=str(data["dedup_key"]),
            text=data.get("text"),
            payload=data.get("payload"),
            media=tuple(Media(**m) for m in data.get("media") or ()),
            location=Location(**location) if location else None,
            contact=Contact(**contact) if contact else None,
            sender_name=data.get("sender_name"),
            lang=data.get("lang"),
            thread_id=data.get("thread_id"),
            reply_to=data.get("reply_to"),
            subject=data.get("subject"),
        )


class InboundNotRecorded(Exception):
    """The app could not record an inbound message durably: the platform must send it again.

    A channel adapter answers a webhook with 503 on it, and a poller tries again before it reads further.
    """


_INBOUND_OPTIONAL = ("text", "payload", "sender_name", "lang", "thread_id", "reply_to", "subject")


def _clean(message: object, optional: tuple[str, ...], *, required: tuple[str, ...] = ()) -> None:
    """Strip control characters and lone surrogates from the named text fields of a frozen message.

    Why: a NUL is refused by PostgreSQL and a lone surrogate by every database, so either failed the turn
    ("Something went wrong"); neither means anything to a person. An optional field that held nothing else
    becomes None, as if it had not been sent; a required one stays a string.
    """
    for names, empty in ((optional, None), (required, "")):
        for name in names:
            value = getattr(message, name)
            if isinstance(value, str):
                cleaned = strip_controls(value)
                if cleaned != value:
                    object.__setattr__(message, name, cleaned or empty)


def split_command(text: str) -> tuple[str, str]:
    """A chat command and the rest of its text: "/Report@HelpdeskBot 30" gives ("/report", "30").

    The command is lower-cased and without the bot's @name (Telegram adds it in groups); the rest is what
    follows the first space, as typed.
    """
    head, _, rest = text.partition(" ")
    return head.split("@", 1)[0].lower(), rest


class ThreadOp(StrEnum):
    """A change to a ticket's thread in a staff group that an `Outbound` asks the channel to make."""

    CREATE_TOPIC = "create_topic"  # create a forum topic named `thread_title`, then post the text in it
    ROOT = "root"  # post the text; its message id roots the ticket's reply thread (groups without topics)
    CLOSE_TOPIC = "close_topic"  # close the ticket's forum topic (no text is sent)
    REOPEN_TOPIC = "reopen_topic"  # reopen it (no text is sent)


@dataclass(frozen=True, slots=True)
class Delivered:
    """What a channel reports back about a sent message: its id, and a forum topic it created."""

    message_id: str | None = None
    thread_id: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: the label a person sees and the payload that comes back."""

    text: str
    payload: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message to send to one chat.

    Attributes:
        channel: the platform to send through.
        bot: client bot or staff bot.
        chat_id: target chat.
        text: plain text (adapters escape it for the platform).
        buttons: rows of inline buttons.
        media: attachments to send with or after the text.
        request_contact: ask the person to share their phone number (reply keyboard).
        request_location: ask the person to share a location (reply keyboard).
        thread_id: a forum topic or reply thread in a group.
        lang: the language of the text (ru/en), for labels the adapter adds itself.
        reply_to: the id of a message to reply to (a reply thread in a group without topics).
        thread_of: a ticket id: the delivery fills `thread_id` / `reply_to` from that ticket's thread in
            the staff group when the message is sent (the thread may be created by an earlier row).
        thread_op: a change to the ticket's thread (see `ThreadOp`).
        thread_title: the name of a forum topic to create; a mail's subject.
        markdown: `text` is KB Markdown (an article): each adapter renders its styling for the platform
            (`dialogue.markup`); otherwise it is plain text.
        card: names a live card in its chat (a job's card, "job:1042"): a message with the same card
            replaces it in place (Telegram edits the message, the web chat replaces the bubble), so one
            card per job shows its current state and the actions that fit it.
        card_new: post the card as a new message (a /jobs list, a new offer) and leave the older one of
            the same name without buttons, instead of replacing it.
        edit_of: the platform id of the card's message to edit; the delivery fills it in from what it
            recorded when the card was first sent (a channel that cannot edit sends a new message).
        retire: the platform id of an older message of this card whose buttons are taken off once the
            new one is sent (filled in by the delivery, like `edit_of`).
        menu: (command, description) pairs: the chat's command menu is set to these before the text is sent
            (Telegram: setMyCommands for this chat, a staff member's commands for their role).
        remove_keyboard: take away the keyboard that asked for a location or a contact (`request_location`)
            once it is answered another way: Telegram keeps a one-time keyboard until it is pressed, so a
            client who typed the address still had "Send location" under the next questions.
    """

    channel: Channel
    bot: Bot
    chat_id: str
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    media: tuple[Media, ...] = ()
    request_contact: bool = False
    request_location: bool = False
    thread_id: str | None = None
    lang: str | None = None
    reply_to: str | None = None
    thread_of: str | None = None
    thread_op: ThreadOp | None = None
    thread_title: str | None = None
    markdown: bool = False
    card: str | None = None
    card_new: bool = False
    edit_of: str | None = None
    retire: str | None = None
    menu: tuple[tuple[str, str], ...] = ()
    remove_keyboard: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-safe dict for the outbox (a card's fields only when it is one)."""
        data: dict[str, Any] = {
            "channel": str(self.channel),
            "bot": str(self.bot),
            "chat_id": self.chat_id,
            "text": self.text,
            "buttons": [[asdict(b) for b in row] for row in self.buttons],
            "media": [asdict(m) for m in self.media],
            "request_contact": self.request_contact,
            "request_location": self.request_location,
            "thread_id": self.thread_id,
            "lang": self.lang,
            "reply_to": self.reply_to,
            "thread_of": self.thread_of,
            "thread_op": str(self.thread_op) if self.thread_op else None,
            "thread_title": self.thread_title,
            "markdown": self.markdown,
        }
        if self.card:
            data.update(card=self.card, card_new=self.card_new, edit_of=self.edit_of, retire=self.retire)
        if self.menu:
            data["menu"] = [list(item) for item in self.menu]
        if self.remove_keyboard:
            data["remove_keyboard"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outbound:
        """Rebuild an Outbound from `to_dict` output."""
        return cls(
            channel=Channel(data["channel"]),
            bot=Bot(data["bot"]),
            chat_id=str(data["chat_id"]),
            text=data["text"],
            buttons=tuple(tuple(Button(**b) for b in row) for row in data.get("buttons", [])),
            media=tuple(Media(**m) for m in data.get("media", [])),
            request_contact=bool(data.get("request_contact", False)),
            request_location=bool(data.get("request_location", False)),
            thread_id=data.get("thread_id"),
            lang=data.get("lang"),
            reply_to=data.get("reply_to"),
            thread_of=data.get("thread_of"),
            thread_op=ThreadOp(data["thread_op"]) if data.get("thread_op") else None,
            thread_title=data.get("thread_title"),
            markdown=bool(data.get("markdown", False)),
            card=data.get("card"),
            card_new=bool(data.get("card_new", False)),
            edit_of=data.get("edit_of"),
            retire=data.get("retire"),
            menu=tuple((str(name), str(text)) for name, text in data.get("menu") or ()),
            remove_keyboard=bool(data.get("remove_keyboard", False)),
        )


class DeliveryError(Exception):
    """A send failed. `retry_after` (seconds) is set when the platform asked us to slow down."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
