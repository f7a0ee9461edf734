"""Run work for many chats at once while keeping each chat's work in arrival order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class PerChatSerializer:
    """Chains the jobs of one chat so each starts after the previous one ended; chats never wait on each other.

    Every job is its own task that first awaits its predecessor in the same chat. A job that fails is
    logged and the chain goes on, so one bad message never blocks a person's later messages.
    """

    def __init__(self, name: str = "whatsapp") -> None:
        self._name = name
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._running: set[asyncio.Task[None]] = set()

    def submit(self, chat: str, job: Callable[[], Awaitable[object]], label: str = "") -> asyncio.Task[None]:
        """Schedule `job` after every job already submitted for `chat`; return its task."""
        previous = self._tails.get(chat)
        task = asyncio.create_task(self._run(chat, previous, job, label), name=f"{self._name}-chat-{chat}")
        self._tails[chat] = task
        self._running.add(task)
        task.add_done_callback(lambda done: self._forget(chat, done))
        return task

    @property
    def pending(self) -> int:
        """How many jobs are running or waiting."""
        return len(self._running)

    async def drain(self, grace_s: float) -> None:
        """Wait up to `grace_s` seconds for every job to finish, then cancel the rest."""
        if not self._running:
            return
        _, late = await asyncio.wait(set(self._running), timeout=grace_s)
        for task in late:
            task.cancel()
        if late:
            log.warning("%s: %d jobs cancelled at shutdown", self._name, len(late))
            await asyncio.gather(*late, return_exceptions=True)

    async def _run(
        self, chat: str, previous: asyncio.Task[None] | None, job: Callable[[], Awaitable[object]], label: str
    ) -> None:
        if previous is not None:
            # The predecessor's outcome is not ours to report; we only wait for our turn.
            await asyncio.wait({previous})
        try:
            await job()
        except Exception:
            log.exception("%s: handling %s in chat %s failed", self._name, label or "a message", chat)

    def _forget(self, chat: str, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._tails.get(chat) is task:
            del self._tails[chat]
