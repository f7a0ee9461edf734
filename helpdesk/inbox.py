"""The durable inbox: record every inbound message before the platform hears 200, then handle it from there.

`Inbox.accept` is the `on_inbound` of every channel (webhooks, polling, web chat). It writes the message in
one short transaction and returns; if that write fails it raises `InboundNotRecorded`, and the adapter
answers 503 (or, polling, tries again before reading on), so the platform sends it again. Handling runs
from the table (`storage.inbox`): at once in the process that recorded it, and from a loop that picks up
what is due (retries, leases of dead processes, other processes' rows). One chat's messages are handled
one at a time in arrival order, whichever process holds them; a claim carries a short lease that a
heartbeat extends while the engine works, so a crashed process delays its chats by one lease at most.

A failure that looks like the infrastructure (the database or Redis went away) is retried with a capped
backoff for `retry_for_s`; anything else (a bug) a few times. Then the message is parked as a dead letter,
admins see it (`helpdesk inbox list`, the admin page) and can replay it, and the sender is told once that
a person will get back to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogue.engine import DialogueEngine
from dialogue.messages import Inbound, InboundNotRecorded
from storage import inbox as box
from storage.transient import in_transaction, is_transient

log = logging.getLogger(__name__)

RECORD_PAUSES_S = (0.05, 0.2)  # a webhook waits at most this long before it answers 503


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class InboxPolicy:
    """How the inbox retries.

    Attributes:
        lease_s: how long a claim holds before another process may take the row (a heartbeat extends it).
        heartbeat_s: how often a claim being worked on is extended.
        poll_s: how often the loop looks for due rows when nothing woke it.
        retry_for_s: how long infrastructure failures are retried before the message is parked.
        bug_attempts: how many times any other failure is tried.
        backoff_max_s: the longest wait between two tries.
        concurrency: how many chats one process handles at once.
        keep_done_s: how long handled rows are kept before they are pruned.
    """

    lease_s: float = 10.0
    heartbeat_s: float = 3.0
    poll_s: float = 0.5
    retry_for_s: float = 24 * 3600.0
    bug_attempts: int = 3
    backoff_max_s: float = 5.0
    concurrency: int = 32
    keep_done_s: float = 7 * 86400.0

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failures: 0.5, 1, 2, 4, then `backoff_max_s`."""
        return float(min(self.backoff_max_s, 0.5 * 2 ** max(0, attempts - 1)))


class Inbox:
    """Records inbound messages and handles them, in order per chat, with retries and dead letters."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        engine: DialogueEngine,
        *,
        policy: InboxPolicy | None = None,
        on_replies: Callable[[], None] | None = None,
        transient: Callable[[BaseException], bool] = is_transient,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.engine = engine
        self.policy = policy or InboxPolicy()
        self.on_replies = on_replies
        self.transient = transient
        self.clock = clock
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:64]
        self._chats: dict[str, asyncio.Task[None]] = {}  # chats this process is working on
        self._again: set[str] = set()  # chats that got a new row while being worked on
        self._attempted: dict[int, asyncio.Event] = {}  # rows whose recorder waits for the first attempt
        self._slots = asyncio.Semaphore(self.policy.concurrency)
        self._wake = asyncio.Event()
        self._stopping = False

    # --- recording --------------------------------------------------------------------------------

    async def accept(self, inbound: Inbound, wait_s: float = 0.0) -> None:
        """Record `inbound` durably and start handling it; return once it is recorded.

        With `wait_s`, return only once this process has made its first attempt at handling it too (or
        after `wait_s`): a webhook then answers after the reply is queued, as platforms expect, while
        a poller, which hands updates over one by one, passes 0 so that chats do not wait on each other.

        Raises:
            InboundNotRecorded: the database could not take it; the platform must send it again.
        """
        chat = box.chat_key(str(inbound.channel), str(inbound.bot), inbound.chat_id)
        payload = inbound.to_dict()

        def record(session: AsyncSession) -> Awaitable[int | None]:
            return box.record(
                session, dedup_key=inbound.dedup_key, chat=chat, payload=payload, at=self.clock()
            )

        try:
            # Once more after a cut connection (a quick retry spares the platform a 503); a row that
            # was recorded by a try whose answer was lost is a "repeat" here and the loop handles it.
            row_id = await in_transaction(self.sessions, record, pauses=RECORD_PAUSES_S)
        except Exception as e:
            log.warning("could not record inbound %s: %s", inbound.dedup_key, e)
            raise InboundNotRecorded(f"inbound {inbound.dedup_key} could not be recorded") from e
        if row_id is None:
            log.info("dropping repeated inbound %s", inbound.dedup_key)
            self.wake()
            return
        if wait_s <= 0:
            self.kick(chat)
            return
        attempted = self._attempted.setdefault(row_id, asyncio.Event())
        self.kick(chat)
        try:
            await asyncio.wait_for(attempted.wait(), timeout=wait_s)
        except TimeoutError:
            pass  # handled later, here or by another process: it is recorded either way
        finally:
            self._attempted.pop(row_id, None)

    def kick(self, chat: str) -> None:
        """Work on `chat` now in this process (or right after its current message)."""
        if self._stopping:
            return
        if chat in self._chats:
            self._again.add(chat)
            return
        self._chats[chat] = asyncio.create_task(self._work_chat(chat), name=f"inbox-{chat}")

    # --- handling ---------------------------------------------------------------------------------

    async def _work_chat(self, chat: str) -> None:
        try:
            while not self._stopping:
                self._again.discard(chat)
                rows = await self._claim(chat=chat)
                if not rows:
                    if chat in self._again:
                        continue  # recorded while we were claiming: look once more
                    return
                await self._handle(rows[0])
        except Exception:
            log.exception("inbox: working on chat %s failed; the loop will pick it up", chat)
            self._wake.set()
        finally:
            self._chats.pop(chat, None)

    async def _claim(self, *, chat: str | None = None, limit: int = 1) -> list[box.InboxRow]:
        async with self.sessions() as session, session.begin():
            return await box.claim(
                session,
                now=self.clock(),
                worker_id=self.worker_id,
                lease_s=self.policy.lease_s,
                limit=limit,
                chat=chat,
            )

    async def _handle(self, row: box.InboxRow) -> None:
        """Run the engine on one claimed row and record how it went."""
        async with self._slots:
            heartbeat = asyncio.create_task(self._heartbeat(row.id), name=f"inbox-lease-{row.id}")
            try:
                inbound = Inbound.from_dict(row.payload)
                replies = await self.engine.handle(inbound)
            except Exception as e:
                error: BaseException | None = e
                replies = []
            else:
                error = None
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
            try:
                if error is None:
                    await self._finish(box.mark_done, row.id, self.clock())
                    if replies and self.on_replies is not None:
                        self.on_replies()
                else:
                    await self._failed(row, error)
            finally:
                attempted = self._attempted.get(row.id)
                if attempted is not None:
                    attempted.set()

    async def _failed(self, row: box.InboxRow, error: BaseException) -> None:
        now = self.clock()
        transient = self.transient(error)
        text = f"{type(error).__name__}: {error}"
        if transient:
            give_up = now - row.received_at >= timedelta(seconds=self.policy.retry_for_s)
            log.warning("inbox: %s failed (attempt %d), will retry: %s", row.dedup_key, row.attempts, text)
        else:
            give_up = row.attempts >= self.policy.bug_attempts
            log.error("inbox: %s failed (attempt %d)", row.dedup_key, row.attempts, exc_info=error)
        if not give_up:
            wait = timedelta(seconds=self.policy.backoff(row.attempts))
            await self._finish(box.mark_retry, row.id, next_attempt_at=now + wait, error=text)
            return
        log.error(
            "inbox: %s parked as a dead letter after %d attempts: %s", row.dedup_key, row.attempts, text
        )
        await self._finish(box.mark_dead, row.id, at=now, error=text)
        await self._notify_dead(row)

    async def _notify_dead(self, row: box.InboxRow) -> None:
        """Tell the sender once that a person will get back to them (best effort; retried by the loop)."""
        try:
            async with self.sessions() as session, session.begin():
                if not await box.take_notice(session, row.id):
                    return  # told already, or being told by another process
        except Exception as e:
            log.warning("inbox: could not take the notice of dead letter %s yet: %s", row.dedup_key, e)
            return
        try:
            replies = await self.engine.tell_not_handled(Inbound.from_dict(row.payload))
        except Exception:
            log.warning(
                "inbox: could not tell the sender of dead letter %s yet", row.dedup_key, exc_info=True
            )
            await self._finish(box.return_notice, row.id)
            return
        if replies and self.on_replies is not None:
            self.on_replies()

    async def _finish(self, mark: Callable[..., Any], row_id: int, *args: Any, **kwargs: Any) -> None:
        """Record a row's outcome (again after a cut connection); failing that, the lease runs out and the
        row is tried again."""
        try:
            await in_transaction(self.sessions, lambda session: mark(session, row_id, *args, **kwargs))
        except Exception as e:
            log.warning("inbox: could not record the outcome of row %s: %s", row_id, e)

    async def _heartbeat(self, row_id: int) -> None:
        while True:
            await asyncio.sleep(self.policy.heartbeat_s)
            try:
                async with self.sessions() as session, session.begin():
                    until = self.clock() + timedelta(seconds=self.policy.lease_s)
                    await box.extend(session, [row_id], worker_id=self.worker_id, until=until)
            except Exception as e:
                log.warning("inbox: could not extend the lease of row %s: %s", row_id, e)

    # --- the loop ---------------------------------------------------------------------------------

    def wake(self) -> None:
        """Look for due rows now instead of at the next tick."""
        self._wake.set()

    async def run_once(self) -> int:
        """Claim due rows of chats this process is not working on and start them; return how many."""
        free = self.policy.concurrency - len(self._chats)
        if free <= 0:
            return 0
        rows = await self._claim(limit=free)
        for row in rows:
            if row.chat_key in self._chats:
                self._again.add(row.chat_key)  # should not happen: the claim blocks a busy chat
            self._chats.setdefault(
                row.chat_key, asyncio.create_task(self._work_claimed(row), name=f"inbox-{row.chat_key}")
            )
        await self._notify_pending_dead()
        return len(rows)

    async def _work_claimed(self, row: box.InboxRow) -> None:
        try:
            await self._handle(row)
        finally:
            self._chats.pop(row.chat_key, None)
        self.kick(row.chat_key)  # more of this chat may be waiting right behind

    async def _notify_pending_dead(self) -> None:
        async with self.sessions() as session:
            dead = await box.list_rows(session, box.InboxStatus.DEAD, limit=20)
        for row in dead:
            if not row.notified:
                await self._notify_dead(row)

    async def run(self, stop: asyncio.Event) -> None:
        """Handle due rows until `stop` is set; errors are logged and never end the loop."""
        pruned_at = self.clock() - timedelta(days=1)
        while not stop.is_set() and not self._stopping:
            try:
                started = await self.run_once()
                if self.clock() - pruned_at >= timedelta(hours=1):
                    pruned_at = self.clock()
                    await self.prune()
            except Exception as e:
                log.warning("inbox: a tick failed: %s", e)
                started = 0
            if started:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.policy.poll_s)
            self._wake.clear()

    async def prune(self) -> int:
        """Delete rows handled longer ago than `keep_done_s`; return how many."""
        before = self.clock() - timedelta(seconds=self.policy.keep_done_s)
        async with self.sessions() as session, session.begin():
            return await box.prune(session, before=before)

    async def stop(self, grace_s: float = 10.0) -> None:
        """Let the messages being handled finish (up to `grace_s`), then give back this process's claims."""
        self._stopping = True
        self._wake.set()
        tasks = list(self._chats.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        try:
            async with self.sessions() as session, session.begin():
                await box.release(session, self.worker_id)
        except Exception as e:
            log.warning("inbox: could not release this process's claims (their leases will run out): %s", e)
