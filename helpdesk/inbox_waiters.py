"""The webhooks of this process that wait for the first attempt at their inbox row (`helpdesk.inbox`).

A webhook answers once its row was tried (the reply is queued, as platforms expect) or after its wait;
the inbox sets a row's event when it has tried it, or when the row is another process's turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable


class Waiters:
    """Rows whose recorder waits for the first attempt, by row id and by chat."""

    def __init__(self) -> None:
        self.attempted: dict[int, asyncio.Event] = {}  # rows whose recorder waits for the first attempt
        self.by_chat: dict[str, set[int]] = {}  # those rows by chat

    def expect(self, chat: str, row_id: int) -> asyncio.Event:
        """Wait for the first attempt at `row_id` of `chat`: the event is set when it was tried."""
        event = self.attempted.setdefault(row_id, asyncio.Event())
        self.by_chat.setdefault(chat, set()).add(row_id)
        return event

    def forget(self, chat: str, row_id: int) -> None:
        """The recorder of `row_id` stopped waiting (answered or gave up)."""
        self.attempted.pop(row_id, None)
        waiting = self.by_chat.get(chat)
        if waiting is not None:
            waiting.discard(row_id)
            if not waiting:
                del self.by_chat[chat]

    def tried(self, row_id: int) -> None:
        """The row was tried here: its webhook may answer."""
        event = self.attempted.get(row_id)
        if event is not None:
            event.set()

    def waits_beyond(self, chat: str, held: Iterable[int]) -> bool:
        """Whether a webhook here waits for a row of `chat` not yet tried and not among `held` (the rows the
        process holds): recorded here while the chat was busy here, but not claimed by the record. The chat's
        task then claims on after its row instead of leaving the rest to whichever loop ticks first.

        Rows already tried (their webhook is about to answer) or held (queued in memory, or the row being
        finished) need no claim: counting them cost every turn of a busy chat a claim that found nothing,
        and under a backlog, when every chat is busy, that extra transaction per message kept it backed up.
        """
        waiting = self.by_chat.get(chat)
        if not waiting:
            return False
        skip = set(held)
        for row_id in waiting:
            if row_id in skip:
                continue
            event = self.attempted.get(row_id)
            if event is not None and not event.is_set():
                return True
        return False

    def release_chat(self, chat: str) -> None:
        """The chat's next row is another process's turn: every webhook here waiting for a row of it answers now."""
        for row_id in list(self.by_chat.get(chat, ())):
            self.tried(row_id)
