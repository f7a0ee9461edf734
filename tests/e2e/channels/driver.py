"""`ClientChannelDriver`: one person in one client chat of the running app, whatever the channel.

A driver talks to the app only over real HTTP (a fake platform API, a signed webhook, the web chat API) and
reads back what the person would see on their screen: message texts and the buttons under them.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Choice:
    """One button as the person sees it; `ref` is what the channel needs to press it."""

    label: str
    ref: Any


@dataclass(frozen=True, slots=True)
class Shown:
    """One message on the person's screen: its text and the buttons under it."""

    text: str
    choices: tuple[Choice, ...] = ()


class ClientChannelDriver(ABC):
    """Says, presses and reads in one chat; subclasses know how their channel carries each of these.

    `wait_for` returns each message once (the earliest one not yet returned that matches), so a transcript
    can wait for reply after reply in order without matching an old message again.
    """

    name: ClassVar[str]
    # What the channel's answer to its unsupported message contains (see `send_unsupported`).
    unsupported_answer: ClassVar[str] = "Я пока понимаю текст"

    def __init__(self) -> None:
        self.shown: list[Shown] = []
        self._taken: set[int] = set()

    # --- what the person does --------------------------------------------------------------------

    @abstractmethod
    async def say(self, text: str) -> None:
        """Send a text message."""

    @abstractmethod
    async def share_location(self, lat: float, lon: float) -> None:
        """Share a location pin."""

    @abstractmethod
    async def send_photo(self) -> None:
        """Send a small photo."""

    @abstractmethod
    async def send_unsupported(self) -> None:
        """Send what this channel carries but the bot cannot read (a sticker, a reaction, an empty message)."""

    async def press(self, label: str) -> None:
        """Press the newest button whose label starts with `label`.

        Raises:
            AssertionError: no such button was shown (the message lists the labels that were).
        """
        await self._refresh(0.0)
        for message in reversed(self.shown):
            for choice in message.choices:
                if choice.label.startswith(label):
                    await self._press(choice)
                    return
        labels = [c.label for m in self.shown for c in m.choices]
        raise AssertionError(f"{self.name}: no button {label!r}; buttons shown: {labels}")

    # --- what the person sees --------------------------------------------------------------------

    async def wait_for(self, contains: str, timeout: float = 10.0) -> str:  # noqa: ASYNC109 - the agreed interface
        """Return the text of the earliest message not returned before that contains `contains`.

        Raises:
            AssertionError: none arrived within `timeout` seconds (the message lists what did).
        """
        return (await self.wait_for_shown(contains, timeout=timeout)).text

    async def wait_for_shown(self, *contains: str, timeout: float = 10.0) -> Shown:  # noqa: ASYNC109
        """Return the earliest message not returned before that contains any of `contains`, with its buttons.

        Raises:
            AssertionError: none arrived within `timeout` seconds (the message lists what did).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, message in enumerate(self.shown):
                if index not in self._taken and any(part in message.text for part in contains):
                    self._taken.add(index)
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"{self.name}: no message with any of {contains!r} within {timeout}s; got: {self.texts()}"
                )
            await self._refresh(min(remaining, 0.5))

    async def wait_for_summary(self, summary: str, who_asked: str, who: str) -> str:
        """Return the request's summary, first answering who the person is when the bot asks (a private
        person it has no phone for: a new web visitor or Telegram user; a WhatsApp sender's number is known)."""
        shown = await self.wait_for_shown(summary, who_asked)
        if who_asked in shown.text:
            await self.say(who)
            return await self.wait_for(summary)
        return shown.text

    async def refresh(self, wait: float = 0.0) -> None:
        """Read what arrived, waiting up to `wait` seconds for something new."""
        await self._refresh(wait)

    def texts(self) -> list[str]:
        """Every message text the person got so far, oldest first."""
        return [m.text for m in self.shown]

    # --- channel specifics -----------------------------------------------------------------------

    @abstractmethod
    async def _press(self, choice: Choice) -> None:
        """Send the platform's button press for `choice`."""

    @abstractmethod
    async def _refresh(self, wait: float) -> None:
        """Bring `shown` up to date, waiting up to `wait` seconds for something new."""
