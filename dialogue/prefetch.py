"""Work done before the transaction: understanding a client's message and searching the KB.

NLU and KB search are slow (an embedding each) and read no ticket data, so they run before the unit of work
opens; the transaction then holds the database only for the changes (on SQLite, for the write lock). The
flow uses a prefetched result only when it was made for the same text and the same client; otherwise it
computes its own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from dialogue.understanding import Parser, Understanding, understand
from kb_search.model import Reader

KB_RESULTS = 5
NO_KB_STAGES = frozenset({"intake", "relay", "rating_comment", "reopen"})
"""Conversation stages in which a free text is not a question for the KB."""


@dataclass(frozen=True, slots=True)
class Prefetched:
    """What was computed for one client text before the transaction."""

    text: str
    client_id: str | None
    meaning: Understanding
    kb_result: Any = None

    def fits(self, text: str, client_id: str) -> bool:
        """Whether this was made for this text and this client (so its KB audience is right)."""
        return self.text == text and self.client_id == client_id


async def prefetch(
    nlu: Parser | None, kb: Any, text: str, client_id: str | None, stage: str | None
) -> Prefetched:
    """Understand `text` and, unless the conversation is in a form, search the KB as that client."""
    if kb is None or stage in NO_KB_STAGES or client_id is None:
        return Prefetched(text, client_id, await understand(nlu, text))
    meaning, result = await asyncio.gather(
        understand(nlu, text), kb.search(text, Reader.client(client_id), k=KB_RESULTS)
    )
    return Prefetched(text, client_id, meaning, result)
