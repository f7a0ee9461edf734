"""One alert per outage, not one per chat: which "cannot deliver" alerts a delivery loop sends.

When Telegram or WhatsApp is down, every chat with a message waiting fails, and each would tell every
supervisor on its own: a hundred alerts for one outage. An outage here is what failed on one (channel, bot)
since the last message that got through there. Its first chat is announced by name, as before; later chats
only join its count, with a reminder at most every `REMIND_EVERY` while it lasts; when a message gets through
again and more than one chat was affected, supervisors hear that it is over. A single chat that cannot be
reached (a client who blocked the bot) is still announced by name, since the next message to another chat
closes its one-chat outage.

The book is per process: with several delivery workers, each tells supervisors of an outage once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

REMIND_EVERY = timedelta(hours=1)
"""While an outage lasts, supervisors hear how many chats it holds at most this often."""


class Say(StrEnum):
    """What to tell supervisors about a failure or a recovery."""

    FIRST = "first"  # the outage's first chat, by name (dialogue.delivery_alerts.chat_unreachable)
    STILL = "still"  # a reminder: still down, with the number of chats
    OVER = "over"  # messages get through again


@dataclass(slots=True)
class Outage:
    """What failed on one (channel, bot) since a message last got through there."""

    channel: str
    bot: str
    since: datetime
    told_at: datetime
    chats: set[str] = field(default_factory=set)
    given_up: int = 0  # messages given up for good during it
    reminded: bool = False


@dataclass(frozen=True, slots=True)
class Alert:
    """One message to the supervisors: `say` what of `outage`."""

    say: Say
    outage: Outage


class OutageBook:
    """The open outages of one process, by (channel, bot)."""

    def __init__(self) -> None:
        self._open: dict[tuple[str, str], Outage] = {}

    def failed(self, channel: str, bot: str, chat_id: str, now: datetime, *, gave_up: bool) -> Alert | None:
        """A message to `chat_id` ran out of fast retries (or was given up): what supervisors hear, if anything."""
        key = (channel, bot)
        outage = self._open.get(key)
        if outage is None:
            outage = self._open[key] = Outage(channel, bot, since=now, told_at=now, chats={chat_id})
            outage.given_up += gave_up
            return Alert(Say.FIRST, outage)
        outage.chats.add(chat_id)
        outage.given_up += gave_up
        if now - outage.told_at < REMIND_EVERY:
            return None
        outage.told_at = now
        outage.reminded = True
        return Alert(Say.STILL, outage)

    def delivered(self, channel: str, bot: str) -> Alert | None:
        """A message got through on (channel, bot): its outage is over; say so when it held several chats or
        supervisors were reminded of it."""
        outage = self._open.pop((channel, bot), None)
        if outage is None or (len(outage.chats) < 2 and not outage.reminded):
            return None
        return Alert(Say.OVER, outage)

    def is_open(self, channel: str, bot: str) -> bool:
        return (channel, bot) in self._open
