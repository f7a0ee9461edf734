"""Where each chat's live cards are (`Outbound.card`): the platform message id of a job's card, so the delivery
loop edits that message instead of sending a new one.

Kept as one JSON row per chat in the conversations table under a key of its own ("cards:<channel>:<bot>:<chat>",
which no conversation key starts with): a chat's outbox rows are sent one at a time, so the row's
read-modify-write in the transaction that marks the card's row sent has no competitor. A lost row only means
the next update of a card is sent as a new message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories.dialogue import SqlConversationStore

MAX_CARDS_PER_CHAT = 200  # the oldest cards of a busy chat are forgotten (their next update is a new message)


def _key(channel: str, bot: str, chat_id: str) -> str:
    return f"cards:{channel}:{bot}:{chat_id}"


async def card_message(session: AsyncSession, channel: str, bot: str, chat_id: str, card: str) -> str | None:
    """The message id of `card` in the chat, or None when it was never sent there (or is forgotten)."""
    cards = await SqlConversationStore(session).load(_key(channel, bot, chat_id)) or {}
    found = cards.get(card)
    return str(found) if found else None


async def record_card(
    session: AsyncSession, channel: str, bot: str, chat_id: str, card: str, message_id: str, at: datetime
) -> None:
    """Remember that `card` is now message `message_id` of the chat."""
    store = SqlConversationStore(session)
    key = _key(channel, bot, chat_id)
    cards = await store.load(key) or {}
    cards.pop(card, None)
    cards[card] = message_id  # the newest last, so the oldest go first
    while len(cards) > MAX_CARDS_PER_CHAT:
        cards.pop(next(iter(cards)))
    await store.save(key, cards, at)
