"""A chat's next message recorded by another process while this one works on the chat (PostgreSQL): the
recorder tells the holder (NOTIFY), which claims the message right after its turn, instead of leaving it to
whichever process's loop ticks first."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogue.messages import Bot, Channel, Inbound, Outbound
from helpdesk import cluster_sync
from helpdesk.inbox import Inbox, InboxPolicy
from storage import inbox as box
from storage import inbox_admin

pytestmark = pytest.mark.postgres

# Loops that tick once a minute: only the NOTIFY can explain a hand-over within a second.
SLOW_LOOP = InboxPolicy(lease_s=30.0, heartbeat_s=10.0, poll_s=60.0)


def box_now() -> datetime:
    return datetime.now(UTC)


def message(n: int, text: str) -> Inbound:
    return Inbound(Channel.TELEGRAM, Bot.CLIENT, "42", "42", f"tg:client:{n}", text=text)


class Engine:
    """Stands in for the dialogue engine: holds "slow" at a gate, records the rest with the time."""

    def __init__(self) -> None:
        self.handled: list[tuple[str, float]] = []
        self.gate = asyncio.Event()

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        if inbound.text == "slow":
            await self.gate.wait()
        self.handled.append((inbound.text or "", time.monotonic()))
        return []

    async def tell_not_handled(self, inbound: Inbound) -> list[Outbound]:
        return []


async def until(condition: object, within_s: float = 10) -> None:
    async with asyncio.timeout(within_s):
        while not condition():  # type: ignore[operator]  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("ends", ["after the record", "before the record is heard"])
async def test_the_process_working_on_a_chat_claims_the_next_message_another_process_recorded(
    pg_url: str, pg_engine: AsyncEngine, ends: str
) -> None:
    first_engine, second_engine = Engine(), Engine()
    first = Inbox(pg_engine, first_engine, policy=SLOW_LOOP)  # type: ignore[arg-type]
    second = Inbox(pg_engine, second_engine, policy=SLOW_LOOP)  # type: ignore[arg-type]
    stop = asyncio.Event()
    heard = asyncio.Event()

    def first_hears(payload: str) -> None:
        if payload and ends == "before the record is heard":
            first_engine.gate.set()  # the turn ends before the NOTIFY reaches the inbox: it claims then
            asyncio.get_running_loop().call_later(0.2, first.heard, payload)
        else:
            first.heard(payload)
        heard.set()

    second_connected = asyncio.Event()

    def second_hears(payload: str) -> None:
        second.heard(payload)
        second_connected.set()

    listening = [
        cluster_sync.start_listening(
            pg_url, cluster_sync.handlers(kb=None, wake_delivery=None, inbox=hear), stop
        )
        for hear in (first_hears, second_hears)
    ]
    # Each listener calls its handlers with "" once connected: both must be, or the second's "" (a wake of its
    # loop) could come while the row waits for the first's claim, and its loop would take the row.
    await until(lambda: heard.is_set() and second_connected.is_set())
    heard.clear()
    loops = [asyncio.create_task(first.run(stop)), asyncio.create_task(second.run(stop))]
    try:
        older = asyncio.create_task(first.accept(message(1, "slow"), wait_s=30))
        await until(lambda: first.leases.in_flight)  # the first process works on the chat
        await second.accept(message(2, "next"), wait_s=30)  # answers at once: it is recorded
        await until(lambda: heard.is_set())
        released = time.monotonic()
        first_engine.gate.set()
        await older
        await until(lambda: len(first_engine.handled) == 2, within_s=5)
        assert [text for text, _ in first_engine.handled] == ["slow", "next"]
        assert second_engine.handled == []
        assert first_engine.handled[1][1] - released < 1.0  # not a loop tick (a minute)
        await until(lambda: not first._chats)  # and its outcome recorded
        async with pg_engine.connect() as conn:
            rows = await inbox_admin.list_rows(conn, box.InboxStatus.DONE)
        assert sorted(r.dedup_key for r in rows) == ["tg:client:1", "tg:client:2"]
        assert [r.attempts for r in sorted(rows, key=lambda r: r.id)] == [1, 1]
    finally:
        stop.set()
        first_engine.gate.set()
        await asyncio.gather(first.stop(grace_s=1), second.stop(grace_s=1), *loops)
        await asyncio.gather(*(task for task in listening if task is not None))


async def test_nobody_is_told_when_the_older_row_is_not_held_by_a_live_claim(pg_engine: AsyncEngine) -> None:
    async with pg_engine.begin() as conn:
        older = await box.record(
            conn, dedup_key="tg:client:1", chat="telegram:client:42", payload={}, at=box_now()
        )
        newer = await box.record(
            conn, dedup_key="tg:client:2", chat="telegram:client:42", payload={}, at=box_now()
        )
    assert older is not None and newer is not None
    async with pg_engine.connect() as conn:
        # Unclaimed (it waits for its retry): nobody to tell.
        assert not await box.tell_holder(
            conn, chat="telegram:client:42", row=newer, worker_id="b", at=box_now()
        )
        await box.claim(conn, now=box_now(), worker_id="a", lease_s=30, chat="telegram:client:42")
        assert await box.tell_holder(conn, chat="telegram:client:42", row=newer, worker_id="b", at=box_now())
        # The holder itself is not told, nor a holder whose lease ran out.
        assert not await box.tell_holder(
            conn, chat="telegram:client:42", row=newer, worker_id="a", at=box_now()
        )
        later = box_now() + timedelta(seconds=SLOW_LOOP.lease_s + 1)
        assert not await box.tell_holder(conn, chat="telegram:client:42", row=newer, worker_id="b", at=later)
        await conn.commit()
