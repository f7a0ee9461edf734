"""Conversations as transcripts: people say things or press buttons, and we read what each of them got.

`ChatDriver` talks to anything with `async handle(Inbound)` (the engine, or a channel over HTTP) and reads the
replies a person received from an `inbox` callable, so the same transcript runs on the engine directly, the web
chat or the Telegram fake.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from dialogue.markup import plain as markup_plain
from dialogue.messages import Bot, Channel, Inbound, Location, Media, Outbound

_ids = itertools.count(1)


@dataclass
class Person:
    """A chat participant: which bot they talk to and their account id there."""

    bot: Bot
    account: str
    name: str = "Test"
    lang: str = "ru"
    channel: Channel = Channel.WEB
    seen: int = 0


@dataclass
class ChatDriver:
    """Drives a conversation through the engine and collects the outbox per chat."""

    handle: Callable[[Inbound], Awaitable[list[Outbound]]]
    received: dict[tuple[str, str], list[Outbound]] = field(default_factory=dict)

    async def _send(self, person: Person, **kw: object) -> list[Outbound]:
        inbound = Inbound(
            channel=person.channel,
            bot=person.bot,
            chat_id=person.account,
            sender_id=person.account,
            dedup_key=f"t:{next(_ids)}",
            sender_name=person.name,
            lang=person.lang,
            **kw,  # type: ignore[arg-type]
        )
        replies = await self.handle(inbound)
        for out in replies:
            self.received.setdefault((str(out.bot), out.chat_id), []).append(out)
        return replies

    async def say(self, person: Person, text: str) -> list[str]:
        """Send a text; return the texts that came back to this person."""
        await self._send(person, text=text)
        return self.new_texts(person)

    async def send_inbound(self, person: Person, **kw: object) -> list[str]:
        """Send an arbitrary inbound (photo, location...)."""
        await self._send(person, **kw)
        return self.new_texts(person)

    async def photo(self, person: Person, file_id: str = "photo-1") -> list[str]:
        return await self.send_inbound(person, media=(Media("photo", file_id),))

    async def location(self, person: Person, lat: float, lon: float) -> list[str]:
        return await self.send_inbound(person, location=Location(lat, lon))

    async def press(self, person: Person, label: str) -> list[str]:
        """Press the newest button with this label (or starting with it) that this person was shown."""
        payload = self.find_button(person, label)
        await self._send(person, payload=payload)
        return self.new_texts(person)

    def find_button(self, person: Person, label: str) -> str:
        for out in reversed(self.messages(person)):
            for row in out.buttons:
                for button in row:
                    if button.text == label or button.text.startswith(label):
                        assert button.payload is not None
                        return button.payload
        labels = [b.text for o in self.messages(person) for r in o.buttons for b in r]
        raise AssertionError(f"{person.account} has no button {label!r}; buttons seen: {labels}")

    def cards(self, person: Person, card: str) -> list[Outbound]:
        """Every version of a live card this person was shown, oldest first (the last is what the card shows)."""
        return [m for m in self.messages(person) if m.card == card]

    def messages(self, person: Person) -> list[Outbound]:
        return self.received.get((str(person.bot), person.account), [])

    def new_texts(self, person: Person) -> list[str]:
        """Texts this person got since the last call.

        An update of a live card (`Outbound.card`) is not among them: it changes the card where it is, it is not
        a new message (read it with `cards`).
        """
        msgs = self.messages(person)
        # What the person reads: an article's Markdown as a channel without styling shows it.
        fresh = [
            markup_plain(m.text) if m.markdown else m.text
            for m in msgs[person.seen :]
            if not (m.card and not m.card_new)
        ]
        person.seen = len(msgs)
        return fresh
