"""Wake the long polls of one chat when something new is in its history."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager


class ChatSignals:
    """One `asyncio.Event` per chat that has a poll waiting; a chat nobody waits on costs nothing.

    A waiter takes the chat's current event *before* it reads the history, so a message appended
    between the read and the wait still wakes it (the event it holds is the one `notify` sets).
    """

    def __init__(self) -> None:
        self._events: dict[Hashable, asyncio.Event] = {}
        self._waiters: dict[Hashable, int] = {}

    def subscribe(self, key: Hashable) -> asyncio.Event:
        """Register a waiter on `key` and return the event that the next `notify(key)` sets."""
        event = self._events.get(key)
        if event is None:
            event = self._events[key] = asyncio.Event()
        self._waiters[key] = self._waiters.get(key, 0) + 1
        return event

    def unsubscribe(self, key: Hashable) -> None:
        """Forget one waiter of `key`; the chat's event goes when its last waiter does."""
        left = self._waiters.get(key, 0) - 1
        if left > 0:
            self._waiters[key] = left
            return
        self._waiters.pop(key, None)
        self._events.pop(key, None)

    def notify(self, key: Hashable) -> None:
        """Wake every poll waiting on `key`; later subscribers get a fresh event."""
        event = self._events.pop(key, None)
        if event is not None:
            event.set()

    def waiting(self, key: Hashable) -> int:
        """Return how many polls wait on `key` now."""
        return self._waiters.get(key, 0)

    def notify_all(self) -> None:
        """Wake every waiting poll of every chat (the server is shutting down)."""
        for key in list(self._events):
            self.notify(key)


class KeyedLocks:
    """One FIFO lock per key, kept only while someone holds it or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold the lock of `key` for the duration of the `async with` block."""
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = (asyncio.Lock(), [0])
        lock, users = entry
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)
