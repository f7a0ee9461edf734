"""Work done before the transaction: understanding a client's message and searching the KB.

NLU and KB search are slow (an embedding each) and read no ticket data, so they run before the unit of work
opens; the transaction then holds the database only for the changes (on SQLite, for the write lock). The
flow uses a prefetched result only when it was made for the same text and the same client; otherwise it
computes its own.

`SenderHints` remembers, per conversation, the client and the stage a committed turn left, so that a known
sender's prefetch needs no database read at all. A hint is only a guess: a stale one (the contact moved to
another client, another process changed the stage) costs a search, never a wrong answer.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dialogue.conversation import Stage
from dialogue.understanding import Parser, Understanding, understand
from kb_search.model import Reader, SearchResult

if TYPE_CHECKING:  # kb_replies imports this module (KB_RESULTS)
    from dialogue.kb_replies import KnowledgeSource

KB_RESULTS = 5
NO_KB_STAGES = frozenset({Stage.INTAKE, Stage.RELAY, Stage.RATING_COMMENT, Stage.REOPEN})
"""Conversation stages in which a free text is not a question for the KB."""


@dataclass(frozen=True, slots=True)
class Prefetched:
    """What was computed for one client text before the transaction."""

    text: str
    client_id: str | None
    meaning: Understanding
    kb_result: SearchResult | None = None

    def fits(self, text: str, client_id: str) -> bool:
        """Whether this was made for this text and this client (so its KB audience is right)."""
        return self.text == text and self.client_id == client_id


async def prefetch(
    nlu: Parser | None, kb: KnowledgeSource | None, text: str, client_id: str | None, stage: Stage | None
) -> Prefetched:
    """Understand `text` and, unless the conversation is in a form, search the KB as that client."""
    if kb is None or stage in NO_KB_STAGES or client_id is None:
        return Prefetched(text, client_id, await understand(nlu, text))
    meaning, result = await asyncio.gather(
        understand(nlu, text), kb.search(text, Reader.client(client_id), k=KB_RESULTS)
    )
    return Prefetched(text, client_id, meaning, result)


@dataclass(frozen=True, slots=True)
class Hint:
    """What the last committed turn of a conversation knew: the sender's client and the stage it left."""

    client_id: str
    stage: Stage | None
    at: float


class SenderHints:
    """A bounded, expiring map from conversation key to `Hint` (per process; no I/O)."""

    def __init__(
        self, size: int = 20_000, ttl_s: float = 600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.ttl_s = ttl_s
        self.clock = clock
        self._hints: OrderedDict[str, Hint] = OrderedDict()

    def get(self, key: str) -> Hint | None:
        """The hint for a conversation, or None when there is none or it is older than the TTL."""
        hint = self._hints.get(key)
        if hint is None:
            return None
        if self.clock() - hint.at > self.ttl_s:
            del self._hints[key]
            return None
        return hint

    def put(self, key: str, client_id: str, stage: Stage | None) -> None:
        """Remember what a committed turn left; the oldest hints go beyond `size`."""
        self._hints[key] = Hint(client_id, stage, self.clock())
        self._hints.move_to_end(key)
        while len(self._hints) > self.size:
            self._hints.popitem(last=False)

    def forget(self, key: str) -> None:
        """Drop a conversation's hint."""
        self._hints.pop(key, None)

    def __len__(self) -> int:
        return len(self._hints)
