"""A chat's next message recorded by another process while this one works on the chat (PostgreSQL).

The turn claims its chat's next row as the last statement of its transaction, under the chat's advisory lock,
the lock a recorder takes (`storage.inbox.mark_done_and_claim_next`, migration 0033). So whichever comes
first, nobody has to be told and no loop has to find the row: recorded before the turn's end, the row is
handled next by the holder; recorded after its commit, it finds the chat free and its recorder handles it.
The loops here tick once a minute, so a hand-over within a second is the claim's doing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogue.messages import Bot, Channel, Inbound, Outbound
from helpdesk.inbox import Inbox, InboxPolicy
from storage import inbox as box
from storage import inbox_admin
from storage.db import make_sessionmaker
from storage.uow import SqlUnitOfWork, UnitOfWorkFactory

pytestmark = pytest.mark.postgres

SLOW_LOOP = InboxPolicy(lease_s=30.0, heartbeat_s=10.0, poll_s=60.0)
CHAT = "telegram:client:42"


def box_now() -> datetime:
    return datetime.now(UTC)


def message(n: int, text: str) -> Inbound:
    return Inbound(Channel.TELEGRAM, Bot.CLIENT, "42", "42", f"tg:client:{n}", text=text)


class Engine:
    """Stands in for the dialogue engine with a real transaction: `first_time`, the caller's `then`, commit.

    "slow" waits at `gate` before its end; "locked" runs `then` (taking the chat's lock) and waits at `gate`
    before its commit."""

    def __init__(self, uows: UnitOfWorkFactory) -> None:
        self.uows = uows
        self.handled: list[tuple[str, float]] = []
        self.gate = asyncio.Event()
        self.locked = asyncio.Event()

    async def turn(
        self, inbound: Inbound, then: Callable[[SqlUnitOfWork], Awaitable[Any]] | None = None
    ) -> tuple[list[Outbound], Any]:
        text = inbound.text or ""
        async with self.uows() as uow:
            if not await uow.inbound.first_time(inbound.dedup_key, box_now()):
                return [], None
            if text == "slow":
                await self.gate.wait()
            closed = await then(uow) if then is not None else None
            if text == "locked":
                self.locked.set()
                await self.gate.wait()
            await uow.commit()
        self.handled.append((text, time.monotonic()))
        return [], closed

    async def tell_not_handled(self, inbound: Inbound) -> list[Outbound]:
        return []


async def until(condition: Callable[[], object], within_s: float = 10) -> None:
    async with asyncio.timeout(within_s):
        while not condition():  # noqa: ASYNC110  (polls state that other tasks change)
            await asyncio.sleep(0.01)


class Process(NamedTuple):
    inbox: Inbox
    engine: Engine


@contextlib.asynccontextmanager
async def two_processes(db: AsyncEngine) -> AsyncIterator[tuple[Process, Process]]:
    """Two processes' inboxes on one database, their loops running (once a minute), stopped afterwards."""
    uows = UnitOfWorkFactory(make_sessionmaker(db))
    made = [Process(Inbox(db, engine, policy=SLOW_LOOP), engine) for engine in (Engine(uows), Engine(uows))]  # type: ignore[arg-type]
    stop = asyncio.Event()
    loops = [asyncio.create_task(p.inbox.run(stop)) for p in made]
    try:
        yield made[0], made[1]
    finally:
        stop.set()
        for p in made:
            p.engine.gate.set()
        await asyncio.gather(*(p.inbox.stop(grace_s=1) for p in made), *loops)


async def _done_rows(db: AsyncEngine) -> list[box.InboxRow]:
    async with db.connect() as conn:
        rows = await inbox_admin.list_rows(conn, box.InboxStatus.DONE)
    return sorted(rows, key=lambda r: r.id)


async def test_the_holder_claims_the_next_message_another_process_recorded_during_its_turn(
    pg_engine: AsyncEngine,
) -> None:
    async with two_processes(pg_engine) as ((first, first_engine), (second, second_engine)):
        older = asyncio.create_task(first.accept(message(1, "slow"), wait_s=30))
        await until(lambda: first.leases.in_flight)  # the first process works on the chat
        started = time.monotonic()
        await second.accept(message(2, "next"), wait_s=30)  # answers at once: recorded, not its turn
        assert time.monotonic() - started < 5
        released = time.monotonic()
        first_engine.gate.set()
        await older
        await until(lambda: len(first_engine.handled) == 2, within_s=5)
        assert [text for text, _ in first_engine.handled] == ["slow", "next"]
        assert second_engine.handled == []
        assert first_engine.handled[1][1] - released < 1.0  # not a loop tick (a minute)
        await until(lambda: not first._chats)
        rows = await _done_rows(pg_engine)
        assert [r.dedup_key for r in rows] == ["tg:client:1", "tg:client:2"]
        assert [r.attempts for r in rows] == [1, 1]  # each claimed once, by the holder


async def test_a_message_recorded_while_the_turn_ends_waits_for_its_commit_and_finds_the_chat_free(
    pg_engine: AsyncEngine,
) -> None:
    async with two_processes(pg_engine) as ((first, first_engine), (second, second_engine)):
        older = asyncio.create_task(first.accept(message(1, "locked"), wait_s=30))
        await first_engine.locked.wait()  # the turn's claim ran and holds the chat's lock until its commit
        newer = asyncio.create_task(second.accept(message(2, "next"), wait_s=30))
        await asyncio.sleep(0.3)
        assert not newer.done()  # the record waits for the lock: it cannot slip in between claim and commit
        first_engine.gate.set()
        await asyncio.wait_for(asyncio.gather(older, newer), timeout=5)
        # The recorder found the chat free and handled its message itself, at once.
        assert [text for text, _ in first_engine.handled] == ["locked"]
        assert [text for text, _ in second_engine.handled] == ["next"]
        await until(lambda: not first._chats and not second._chats)
        assert [r.dedup_key for r in await _done_rows(pg_engine)] == ["tg:client:1", "tg:client:2"]


async def test_the_claim_takes_only_the_chats_oldest_pending_row_when_it_is_due_and_free(
    pg_engine: AsyncEngine,
) -> None:
    now = box_now()
    async with pg_engine.begin() as conn:
        ids = [
            await box.record(conn, dedup_key=f"tg:client:{n}", chat=CHAT, payload={}, at=now)
            for n in (1, 2, 3)
        ]
    first, second, third = ids
    assert first is not None and second is not None and third is not None

    async def claim_next(worker: str, *, done: int | None = None, at: datetime | None = None) -> Any:
        async with pg_engine.begin() as conn:
            return await box.mark_done_and_claim_next(
                conn, done, chat=CHAT, at=at or box_now(), worker_id=worker, lease_s=30
            )

    held = await claim_next("a")
    assert held is not None and held.id == first and held.claimed_by == "a"
    assert await claim_next("b") is None  # the oldest is held (lease alive); the newer ones wait behind it
    taken = await claim_next("b", at=box_now() + timedelta(seconds=31))
    assert taken is not None and taken.id == first and taken.attempts == 2  # its lease ran out
    following = await claim_next("b", done=first)  # marks it done and claims the next, in order
    assert following is not None and following.id == second
    assert [r.id for r in await _done_rows(pg_engine)] == [first]


async def test_a_record_overtaken_by_the_chats_next_one_in_the_same_process_leaves_no_row_behind(
    pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two messages of an idle chat reach one process at once and the second is recorded first: it is claimed
    (as after the first's reservation) and queued, and the first, recorded behind it, is not. Both are
    handled at once, in the order recorded, with no loop (this left the chat waiting for ever once)."""
    uows = UnitOfWorkFactory(make_sessionmaker(pg_engine))
    engine = Engine(uows)
    inbox = Inbox(pg_engine, engine, policy=SLOW_LOOP)  # type: ignore[arg-type]
    record, overtaken = box.record_and_claim, asyncio.Event()

    async def first_waits(conn: Any, **kwargs: Any) -> Any:
        if kwargs["dedup_key"] == "tg:client:1":
            await overtaken.wait()
        return await record(conn, **kwargs)

    monkeypatch.setattr(box, "record_and_claim", first_waits)
    stop = asyncio.Event()
    loop = asyncio.create_task(inbox.run(stop))
    try:
        first = asyncio.create_task(inbox.accept(message(1, "first"), wait_s=30))
        await asyncio.sleep(0.05)  # the first reserved the chat and waits to be recorded
        second = asyncio.create_task(inbox.accept(message(2, "second"), wait_s=30))
        await until(lambda: inbox._queued)  # recorded first, claimed, queued behind the reservation
        overtaken.set()
        await asyncio.wait_for(asyncio.gather(first, second), timeout=5)
        await until(lambda: len(engine.handled) == 2, within_s=5)
        assert [text for text, _ in engine.handled] == ["second", "first"]
        assert [r.dedup_key for r in await _done_rows(pg_engine)] == ["tg:client:2", "tg:client:1"]
    finally:
        stop.set()
        overtaken.set()
        await asyncio.gather(inbox.stop(grace_s=1), loop)
