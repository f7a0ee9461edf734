"""Where the web chat keeps each chat's messages: a Protocol and a bounded in-memory store."""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict, deque
from typing import Any, Protocol

from dialogue.messages import Bot


class WebChatHistory(Protocol):
    """The messages of every web chat, each numbered by a per-chat sequence that only grows."""

    async def append(self, bot: Bot, chat_id: str, message: dict[str, Any]) -> int:
        """Store `message` (JSON-safe) in the chat and return its sequence number (>= 1)."""
        ...

    async def list_after(self, bot: Bot, chat_id: str, seq: int, limit: int) -> list[dict[str, Any]]:
        """Return up to `limit` oldest messages with a sequence number above `seq`, each with its "seq"."""
        ...


class MemoryWebChatHistory:
    """Chat history in this process only: the last `per_chat` messages of the last `max_chats` chats.

    Memory stays bounded whatever visitors do: old messages fall off each chat, and the chat used least
    recently is forgotten when a new one would exceed `max_chats`. Sequence numbers keep growing within a
    chat that is remembered, so a page that polls with an old `after` never sees a message twice.
    """

    def __init__(self, per_chat: int = 200, max_chats: int = 5000) -> None:
        if per_chat < 1 or max_chats < 1:
            raise ValueError("per_chat and max_chats must be at least 1")
        self.per_chat = per_chat
        self.max_chats = max_chats
        self._chats: OrderedDict[tuple[str, str], tuple[list[int], deque[dict[str, Any]]]] = OrderedDict()
        self._lock = asyncio.Lock()
        # Sequence numbers restart with the process; a page that sees a new epoch starts again from 0.
        self.epoch = secrets.token_hex(4)

    async def append(self, bot: Bot, chat_id: str, message: dict[str, Any]) -> int:
        """Store a copy of `message` and return its sequence number."""
        key = (str(bot), chat_id)
        async with self._lock:
            entry = self._chats.get(key)
            if entry is None:
                entry = ([0], deque(maxlen=self.per_chat))
                self._chats[key] = entry
                while len(self._chats) > self.max_chats:
                    self._chats.popitem(last=False)
            self._chats.move_to_end(key)
            counter, messages = entry
            counter[0] += 1
            messages.append({**message, "seq": counter[0]})
            return counter[0]

    async def list_after(self, bot: Bot, chat_id: str, seq: int, limit: int) -> list[dict[str, Any]]:
        """Return copies of up to `limit` messages newer than `seq`, oldest first."""
        entry = self._chats.get((str(bot), chat_id))
        if entry is None or limit <= 0:
            return []
        result: list[dict[str, Any]] = []
        for message in entry[1]:
            if message["seq"] > seq:
                result.append(dict(message))
                if len(result) >= limit:
                    break
        return result

    def chat_count(self) -> int:
        """Return how many chats are remembered."""
        return len(self._chats)
