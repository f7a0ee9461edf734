"""Hand inbound messages to the app one chat at a time, in arrival order, many chats at once."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from dialogue.messages import Inbound

log = logging.getLogger(__name__)


class ChatQueues:
    """Per-chat FIFO queues, each drained by its own short-lived task.

    A slow answer in one chat never holds up another, and two quick messages from the same person are
    always handled in the order they were sent. A failing handler is logged; it ends nothing.
    """

    def __init__(self, handle: Callable[[Inbound], Awaitable[object]]) -> None:
        self._handle = handle
        self._queues: dict[str, deque[tuple[Inbound, asyncio.Future[None]]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}

    def submit(self, inbound: Inbound) -> asyncio.Future[None]:
        """Queue `inbound` for its chat; the returned future is done once it has been handled."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(inbound.chat_id, deque()).append((inbound, done))
        if inbound.chat_id not in self._workers:
            self._workers[inbound.chat_id] = asyncio.create_task(
                self._work(inbound.chat_id), name=f"telegram-chat-{inbound.chat_id}"
            )
        return done

    @property
    def busy(self) -> int:
        """How many chats have messages being handled or waiting."""
        return len(self._workers)

    async def drain(self, grace_s: float) -> None:
        """Wait up to `grace_s` seconds for queued messages to be handled, then cancel what is left."""
        workers = list(self._workers.values())
        if not workers:
            return
        _, pending = await asyncio.wait(workers, timeout=grace_s)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("stopped with %d chats still being handled", len(pending))
            await asyncio.gather(*pending, return_exceptions=True)

    async def _work(self, chat_id: str) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                inbound, done = queue.popleft()
                try:
                    await self._handle(inbound)
                except Exception:
                    log.exception("handling Telegram update %s failed", inbound.dedup_key)
                finally:
                    if not done.done():
                        done.set_result(None)
        finally:
            # Cancelled or finished: release anyone waiting and forget this chat.
            for _, done in queue:
                if not done.done():
                    done.cancel()
            self._queues.pop(chat_id, None)
            self._workers.pop(chat_id, None)
