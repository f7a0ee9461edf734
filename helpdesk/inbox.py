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
import functools
import logging
import os
import socket
import time
from bisect import insort
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from dialogue.engine import DialogueEngine
from dialogue.messages import Inbound, InboundNotRecorded
from helpdesk import metrics
from helpdesk.inbox_leases import LeaseKeeper
from helpdesk.inbox_loop import run_loop
from helpdesk.inbox_outcomes import RowOutcomes
from helpdesk.inbox_policy import InboxPolicy
from helpdesk.inbox_turn_end import NextRow, claim_next_row
from helpdesk.inbox_waiters import Waiters
from storage import driver_sql, inbox_admin
from storage import inbox as box
from storage.transient import in_transaction, is_transient
from storage.uow import SqlUnitOfWork
from ticket_core.log_context import log_context
from ticket_core.utc import utcnow

log = logging.getLogger(__name__)

RECORD_PAUSES_S = (0.05, 0.2)  # a webhook waits at most this long before it answers 503


class Inbox:
    """Records inbound messages and handles them, in order per chat, with retries and dead letters."""

    def __init__(
        self,
        db: AsyncEngine,
        engine: DialogueEngine[SqlUnitOfWork],
        *,
        policy: InboxPolicy | None = None,
        on_replies: Callable[[], None] | None = None,
        transient: Callable[[BaseException], bool] = is_transient,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.engine = engine
        self.policy = policy or InboxPolicy()
        self.on_replies = on_replies
        self.outcomes = RowOutcomes(db, engine, on_replies, self.policy, transient, clock)
        self.transient = transient
        self.clock = clock
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:64]
        self._chats: dict[str, asyncio.Task[None]] = {}  # chats this process is working on
        self._again: set[str] = set()  # chats that got a row while being worked on, left to the claim
        # Rows this process claimed for a chat it is working on, handled next without a claim of their own.
        self._queued: dict[str, list[box.InboxRow]] = {}
        # Chats whose row failed here (the newest such id): a row recorded meanwhile as "after mine" must
        # not pass it, so it is given back to the loop until a row of the chat from that id on is handled.
        self._held: dict[str, int] = {}
        self._chores: set[asyncio.Task[None]] = set()
        self.waiters = Waiters()
        self._slots = asyncio.Semaphore(self.policy.concurrency)
        self._record_slots = asyncio.Semaphore(self.policy.record_concurrency)
        self._wake = asyncio.Event()
        self._stopping = False
        # PostgreSQL records, claims and ends rows in one statement each (`box`), through `storage.driver_sql`.
        self._record_is_one_statement = one = db.dialect.name == "postgresql"
        self._one_statement = functools.partial(in_transaction, db, autocommit=one, fetch_only=True)
        self.leases = LeaseKeeper(db, self.worker_id, self.policy, clock, lambda: self._stopping)

    # --- recording --------------------------------------------------------------------------------

    async def accept(self, inbound: Inbound, wait_s: float = 0.0) -> None:
        """Record `inbound` durably and start handling it; return once it is recorded.

        With `wait_s`, return only once this process has made its first attempt at handling it too (or
        after `wait_s`): a webhook then answers after the reply is queued, as platforms expect, while
        a poller, which hands updates over one by one, passes 0 so that chats do not wait on each other.

        Raises:
            InboundNotRecorded: the database could not take it; the platform must send it again.
        """
        chat = inbox_admin.chat_key(str(inbound.channel), str(inbound.bot), inbound.chat_id)
        payload = inbound.to_dict()

        idle = chat not in self._chats and not self._stopping

        def record(conn: driver_sql.Statements) -> Awaitable[tuple[int | None, box.InboxRow | None]]:
            # The row is claimed in the same transaction when it is next in its chat: when the chat is idle,
            # or (busy here) when every older row of the chat waits in this process. A busy chat's next
            # message then needs no claim of its own after the turn before it (`_hand_over`).
            return box.record_and_claim(
                conn,
                dedup_key=inbound.dedup_key,
                chat=chat,
                payload=payload,
                at=self.clock(),
                worker_id=self.worker_id,
                lease_s=self.policy.lease_s,
                then_claim=not self._stopping,
                after_mine=not idle,
            )

        # An idle chat is reserved for this task while its message is recorded: a message of the same chat
        # recorded meanwhile then finds the chat busy and is left to us (`_again`), instead of starting a
        # task of its own that finds nothing to claim yet (ours is claimed) and ends, leaving it waiting
        # for the loop's next tick.
        current = asyncio.current_task()
        reserve = idle and wait_s > 0 and current is not None
        if reserve:
            self._chats[chat] = current  # type: ignore[assignment]
        try:
            # Once more after a cut connection (a quick retry spares the platform a 503); a row that
            # was recorded by a try whose answer was lost is a "repeat" here and the loop handles it.
            async with self._record_slots:
                row_id, claimed = await self._one_statement(record, RECORD_PAUSES_S)
        except BaseException as e:
            if reserve:
                self._leave(chat, current)
            if not isinstance(e, Exception):
                raise
            log.warning("could not record inbound %s: %s", inbound.dedup_key, e)
            raise InboundNotRecorded(f"inbound {inbound.dedup_key} could not be recorded") from e
        if row_id is None:
            if reserve:
                self._leave(chat, current)
            log.info("dropping repeated inbound %s", inbound.dedup_key)
            self.wake()
            return
        if reserve and claimed is not None and claimed.id == row_id:
            await self._handle_here(chat, claimed)
            return
        if reserve:
            self._leave(chat, current, go_on=False)  # kicked just below
        # An idle chat whose row could not be claimed has an older row that is another turn's (or waits for
        # its retry): its holder claims ours as that turn ends (`_turn_end`), else a loop. Waiting would hold
        # the webhook, and one of the platform's few connections, for all of wait_s: answer now. A chat with
        # rows queued here (a record of ours overtook this one) or kicked meanwhile is kicked to get a task.
        elsewhere = idle and claimed is None
        attempted = self.waiters.expect(chat, row_id) if wait_s > 0 and not elsewhere else None
        if claimed is not None:
            self._hand_over(chat, claimed, after_mine=not idle)
        elif not (elsewhere and self._record_is_one_statement) or chat in self._queued or chat in self._again:
            self.kick(chat)
        if attempted is None:
            return
        try:
            await asyncio.wait_for(attempted.wait(), timeout=wait_s)
        except TimeoutError:
            pass  # handled later, here or by another process: it is recorded either way
        finally:
            self.waiters.forget(chat, row_id)

    def _leave(self, chat: str, task: asyncio.Task[Any] | None, *, go_on: bool = True) -> None:
        """`task` stops working on `chat`: what was queued or kicked for the chat meanwhile goes on in a
        task of its own. Runs with no await between the task's last look at the queue and here."""
        if self._chats.get(chat) is task:
            del self._chats[chat]
        if not go_on or chat in self._chats:
            return
        queued = self._next_queued(chat)
        if queued is not None:
            self._hand_over(chat, queued)
        elif chat in self._again:
            self.kick(chat)

    def _hand_over(self, chat: str, row: box.InboxRow, *, after_mine: bool = False) -> None:
        """Work on `row`, which this process has claimed: in a new task when nobody here works on its chat,
        else after the rows the chat's task has (in id order; the record took the chat's turn).

        `after_mine`: the row was claimed because its older rows were this process's; when one of those
        failed meanwhile, the row is given back so that it waits for that one's retry.
        """
        if self._stopping:
            return  # the claim is given back by `stop`
        held = self._held.get(chat)
        if after_mine and held is not None and row.id > held:
            self._chore(self._unclaim([row.id]))
            return
        if chat not in self._chats:
            self._chats[chat] = asyncio.create_task(self._work_chat(chat, row), name=f"inbox-{chat}")
            return
        insort(self._queued.setdefault(chat, []), row, key=lambda r: r.id)
        self.leases.hold(row.id)  # the heartbeat keeps its lease while it waits

    def _next_queued(self, chat: str) -> box.InboxRow | None:
        queued = self._queued.get(chat)
        if not queued:
            return None
        row = queued.pop(0)
        if not queued:
            del self._queued[chat]
        return row

    def kick(self, chat: str) -> None:
        """Work on `chat` now in this process (or right after its current message)."""
        if self._stopping:
            return
        if chat in self._chats:
            self._again.add(chat)
            return
        self._chats[chat] = asyncio.create_task(self._work_chat(chat), name=f"inbox-{chat}")

    async def _handle_here(self, chat: str, row: box.InboxRow) -> None:
        """Handle the caller's own message in the caller's task (its answer waits for it anyway): no
        hand-over to another task on the hot path. What the chat got meanwhile goes on in a task."""
        current = asyncio.current_task()
        assert current is not None
        self._chats[chat] = current  # a kick meanwhile marks the chat `_again`; stop() waits for us
        following: box.InboxRow | None = None
        try:
            following = await self._handle(row)
        finally:
            self._leave(chat, current, go_on=following is None)
            if following is not None:
                self._hand_over(chat, following)

    # --- handling ---------------------------------------------------------------------------------

    async def _work_chat(self, chat: str, claimed: box.InboxRow | None = None) -> None:
        """Handle `chat`'s due rows one after the other (starting with `claimed`), while there are any."""
        row = claimed
        current = asyncio.current_task()
        try:
            while not self._stopping:
                self._again.discard(chat)
                if row is None:
                    row = self._next_queued(chat)
                if row is None:
                    rows = await self._claim(chat=chat)
                    if not rows:
                        if chat in self._again or chat in self._queued:
                            continue  # recorded while we were claiming: look once more
                        # Its next row is another process's turn: the webhooks here waiting for the chat
                        # answer now rather than after their whole wait, as nothing would tell them.
                        self.waiters.release_chat(chat)
                        return
                    row = rows[0]
                row = await self._handle(row)
                if row is None:
                    row = self._next_queued(chat)
                if row is None and chat not in self._again and not self._waited_on(chat):
                    return  # nothing was due right after this one, and nothing was recorded since
        except Exception:
            log.exception("inbox: working on chat %s failed; the loop will pick it up", chat)
            self._wake.set()
        finally:
            self._leave(chat, current, go_on=not self._stopping)

    def _waited_on(self, chat: str, *, but: int | None = None) -> bool:
        """Whether a webhook here waits for a row of `chat` this process does not hold (`Waiters.waits_beyond`)."""
        held = [r.id for r in self._queued.get(chat, ())]
        return self.waiters.waits_beyond(chat, held if but is None else [*held, but])

    async def _claim(
        self, *, chat: str | None = None, limit: int = 1, behind_s: float = 0.0
    ) -> list[box.InboxRow]:
        def claim(conn: driver_sql.Statements) -> Awaitable[list[box.InboxRow]]:
            now = self.clock()
            return box.claim(
                conn,
                now=now,
                worker_id=self.worker_id,
                lease_s=self.policy.lease_s,
                limit=limit,
                chat=chat,
                due_before=now - timedelta(seconds=behind_s) if behind_s else None,
            )

        # On PostgreSQL one statement (FOR UPDATE SKIP LOCKED in it) is its own transaction: no BEGIN, COMMIT.
        return await self._one_statement(claim, ())

    async def _handle(self, row: box.InboxRow) -> box.InboxRow | None:
        """Run the engine on one claimed row and record how it went; return the chat's next row, claimed.

        After a success the row is marked done and the chat's next due row claimed in one transaction.
        """
        # The claim's lease is kept alive from now on, also while the row waits for a slot: under a backlog a
        # wait can outlast the lease, and the loop would then claim (and handle) the row a second time.
        self.leases.hold(row.id)
        try:
            async with self._slots:
                started = time.perf_counter()
                channel = str(row.payload.get("channel", "")) if isinstance(row.payload, dict) else ""
                try:
                    inbound = Inbound.from_dict(row.payload)
                    # A turn that hangs (a stuck lock, a bug) must not hold its chat for ever: its heartbeat
                    # would keep the lease alive. Cancelled, it rolls back and is tried again.
                    async with asyncio.timeout(self.policy.handle_timeout_s):
                        with log_context(update=row.dedup_key, chat=row.chat_key):
                            replies, closed = await self.engine.turn(inbound, self._turn_end(row))
                except Exception as e:
                    error: BaseException | None = e
                    replies, closed = [], None
                else:
                    error = None
                finally:
                    self.leases.in_flight.discard(row.id)
                metrics.handled(channel, time.perf_counter() - started, ok=error is None)
                following: box.InboxRow | None = None
                try:
                    if error is None:
                        if self._held.get(row.chat_key, row.id + 1) <= row.id:
                            del self._held[row.chat_key]  # the failed row (or one after it) is done
                        following = await self._done(row, marked=bool(replies), closed=closed)
                        if replies and self.on_replies is not None:
                            self.on_replies()
                    else:
                        await self._give_back_queued(row)  # they wait for this one's retry
                        await self.outcomes.failed(row, error)
                finally:
                    self.waiters.tried(row.id)
                return following
        finally:
            self.leases.in_flight.discard(row.id)  # also when cancelled while waiting for a slot

    def _turn_end(self, row: box.InboxRow) -> Callable[[SqlUnitOfWork], Awaitable[NextRow]] | None:
        """On PostgreSQL `row`'s turn claims its chat's next row last (`inbox_turn_end`); SQLite runs one
        process, whose records claim their rows (`accept`)."""
        if not self._record_is_one_statement:
            return None
        return claim_next_row(
            row.chat_key,
            worker_id=self.worker_id,
            lease_s=self.policy.lease_s,
            clock=self.clock,
            holds_next=lambda: self._stopping or bool(self._queued.get(row.chat_key)),
        )

    async def _done(
        self, row: box.InboxRow, *, marked: bool, closed: NextRow | None = None
    ) -> box.InboxRow | None:
        """Mark a handled row done and, when more of its chat was recorded meanwhile, claim the next one.

        A turn that queued replies has marked its row done in its own transaction (the engine's
        `InboundLog.first_time`, see `DialogueEngine.handle`), so `marked` spares a transaction; a repeat,
        or a turn that queued nothing, is marked here. `closed`: what the turn's transaction claimed as it
        ended (`_turn_end`). Returns the claimed row (None when nothing is due or the claim failed).
        """
        if closed is not None:
            return closed.row
        # PostgreSQL, a turn that did not run to its end (a repeat): mark and claim as `_turn_end` would.
        locked = self._record_is_one_statement and not self._queued.get(row.chat_key)
        if self._stopping or (
            not locked and row.chat_key not in self._again and not self._waited_on(row.chat_key, but=row.id)
        ):
            if not marked:
                await self.outcomes.finish(box.mark_done, row.id, self.clock())
            return None

        self._again.discard(row.chat_key)  # the claim below takes what a kick until now was for

        def done(conn: driver_sql.Statements) -> Awaitable[box.InboxRow | None]:
            return box.mark_done_and_claim_next(
                conn,
                None if marked else row.id,  # marked: only the claim is left (one statement on PostgreSQL)
                chat=row.chat_key,
                at=self.clock(),
                worker_id=self.worker_id,
                lease_s=self.policy.lease_s,
            )

        try:
            return await self._one_statement(done)
        except Exception as e:
            log.warning("inbox: could not record the outcome of row %s: %s", row.id, e)
            self._wake.set()  # the loop claims the chat's next row
            return None

    async def _give_back_queued(self, row: box.InboxRow) -> None:
        """`row` failed: give back the claims of its chat's rows queued after it, and of those still being
        recorded (`_held`). The loop takes them after its retry (until then the failed row, older and
        pending, holds them back)."""
        self._held[row.chat_key] = max(row.id, self._held.get(row.chat_key, row.id))
        rows = self._queued.pop(row.chat_key, [])
        if rows:
            await self._unclaim([r.id for r in rows])

    async def _unclaim(self, ids: list[int]) -> None:
        self.leases.in_flight.difference_update(ids)
        await self.outcomes.finish(lambda conn, _id: box.unclaim(conn, ids, worker_id=self.worker_id), ids[0])

    def _chore(self, work: Awaitable[None]) -> None:
        """Run a best-effort database write beside the turns (a failure leaves it to the lease)."""
        task = asyncio.ensure_future(work)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    # --- the loop ---------------------------------------------------------------------------------

    def wake(self) -> None:
        """Look for due rows now instead of at the next tick."""
        self._wake.set()

    async def run_once(self, behind_s: float = 0.0) -> int:
        """Claim due rows (due `behind_s` ago, see `run`) of chats not worked on here; start them; say how many."""
        free = self.policy.concurrency - len(self._chats)
        if free <= 0:
            return 0
        rows = await self._claim(limit=free, behind_s=behind_s)
        for row in rows:
            self._hand_over(row.chat_key, row)
        return len(rows)

    async def run(self, stop: asyncio.Event, *, behind_s: float = 0.0) -> None:
        await run_loop(self, stop, behind_s)  # until `stop`; `inbox_loop.run_loop` says what `behind_s` is

    @property
    def stopping(self) -> bool:  # `stop` was called
        return self._stopping

    async def idle(self) -> None:
        """Wait for a `wake` or the policy's `poll_s`, whichever comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.policy.poll_s)
        self._wake.clear()

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
        await self.leases.stop()
