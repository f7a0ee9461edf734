"""Sending the replies a process's own transactions claimed, right after their commit (`storage.outbox_direct`).

A web process that answered a message sends the answer itself: no NOTIFY to the workers, no claim of theirs,
one hop less for the reply. The workers' delivery loop stays the net for everything else: rows left pending
(a chat with older rows waiting, a channel only they send), retries, and the rows of a process that died or
was stopped before it sent them (their lease runs out).

A chat's rows go one after another in id order, across transactions too (each chat's sends are a chain of
tasks). When one does not get through (it is marked for a retry, or failed for good), the chat's rows behind
it in this process are given back untried, so the workers send them after it and the chat's order holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpdesk.delivery import HEARTBEAT_S, LEASE_S, DeliveryLoop, keep_leases
from storage.outbox_delivery import OutboxRow
from storage.outbox_direct import DIRECT_CHANNELS, DirectClaim, release
from storage.transient import in_transaction

log = logging.getLogger(__name__)

ChatKey = tuple[str, str, str]  # (channel, bot, chat_id)


class DirectDelivery:
    """Sends the rows handed over by `send` (a unit of work's, after its commit) through `delivery`'s senders."""

    def __init__(
        self,
        delivery: DeliveryLoop,
        sessions: async_sessionmaker[AsyncSession],
        *,
        lease_s: float = LEASE_S,
        heartbeat_s: float = HEARTBEAT_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.delivery = delivery
        self.sessions = sessions
        self.heartbeat_s = heartbeat_s
        self.clock = clock
        sendable = frozenset(pair for pair in delivery.senders if pair[0] in DIRECT_CHANNELS)
        owner = f"{socket.gethostname()}:{os.getpid()}:direct:{id(self):x}"
        self.claim = DirectClaim(owner, lease_s, sendable)
        self._chains: dict[ChatKey, asyncio.Task[bool]] = {}
        self._in_flight: set[int] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        self._closed = False
        self._giving_back: set[asyncio.Task[None]] = set()

    def send(self, rows: list[OutboxRow]) -> None:
        """Send `rows` (claimed by `self.claim.owner`, committed) in the background, each chat's in order.

        After `close` they are given back to the workers at once (a turn that ended while the process stops).
        """
        if self._closed:
            self._in_flight.update(row.id for row in rows)
            back = asyncio.create_task(self._give_back(rows), name="outbox-direct-give-back")
            self._giving_back.add(back)
            back.add_done_callback(self._giving_back.discard)
            return
        chats: dict[ChatKey, list[OutboxRow]] = {}
        for row in sorted(rows, key=lambda r: r.id):
            chats.setdefault((row.channel, row.bot, row.chat_id), []).append(row)
        for chat, chat_rows in chats.items():
            self._in_flight.update(row.id for row in chat_rows)
            task = asyncio.create_task(
                self._send_chat(self._chains.get(chat), chat_rows), name="outbox-direct"
            )
            self._chains[chat] = task
            task.add_done_callback(functools.partial(self._ended, chat))
        if self._heartbeat is None:  # from the first rows to `close`: a slow platform keeps them ours
            leases = keep_leases(
                self.sessions,
                self._in_flight,
                self.claim.owner,
                self.clock,
                every_s=self.heartbeat_s,
                lease_s=self.claim.lease_s,
            )
            self._heartbeat = asyncio.create_task(leases, name="outbox-direct-leases")

    async def close(self, timeout_s: float = 10.0) -> None:
        """Let the sends in progress end (at most `timeout_s`); what is left, the workers send once its lease
        has run out. Rows handed over later go back to the workers (`send`); closing again waits for that."""
        self._closed = True
        chains: list[asyncio.Task[bool] | asyncio.Task[None]] = [*self._chains.values(), *self._giving_back]
        if chains:
            await asyncio.wait(chains, timeout=timeout_s)
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat

    def _ended(self, chat: ChatKey, task: asyncio.Task[bool]) -> None:
        if self._chains.get(chat) is task:
            del self._chains[chat]
        if not task.cancelled() and task.exception() is not None:
            log.error("sending a chat's own outbox rows failed", exc_info=task.exception())

    async def _send_chat(self, before: asyncio.Task[bool] | None, rows: list[OutboxRow]) -> bool:
        """Send one chat's rows in order after the chat's previous chain; whether every one got through."""
        ok = True
        if before is not None:
            await asyncio.wait([before])
            ok = not before.cancelled() and before.exception() is None and before.result()
        left = list(rows)
        try:
            while ok and left:
                row = left.pop(0)
                try:
                    ok = await self.delivery.send_one(row)
                finally:
                    self._in_flight.discard(row.id)
        finally:
            if left:
                await self._give_back(left)
        return ok and not left

    async def _give_back(self, rows: list[OutboxRow]) -> None:
        ids = [row.id for row in rows]
        try:
            await in_transaction(self.sessions, functools.partial(release, ids=ids, owner=self.claim.owner))
        except Exception:
            # Their lease runs out and a worker sends them, in order, after the row that did not go.
            log.exception("could not give back outbox rows %s; they are sent once their lease runs out", ids)
        finally:
            self._in_flight.difference_update(ids)
