"""What other processes' commits tell a process (PostgreSQL NOTIFY): a reply queued anywhere is sent by a
worker at once, not at its next poll."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogue.messages import Bot, Channel, Outbound
from helpdesk import cluster_sync
from helpdesk.delivery import DeliveryLoop
from storage.db import make_engine, make_sessionmaker
from storage.notify import OUTBOX_CHANNEL, Bell
from storage.uow import UnitOfWorkFactory

pytestmark = pytest.mark.postgres


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, float]] = []
        self.arrived = asyncio.Event()

    async def send(self, out: Outbound) -> None:
        self.sent.append((out.text, time.monotonic()))
        self.arrived.set()


async def _queue(uows: UnitOfWorkFactory, text: str) -> float:
    async with uows() as uow:
        message = Outbound(Channel.TELEGRAM, Bot.CLIENT, "42", text)
        await uow.outbox.add("telegram", "client", "42", message.to_dict(), datetime.now(UTC))
        await uow.commit()
    return time.monotonic()


async def test_a_reply_queued_by_another_process_is_sent_at_once_not_at_the_next_poll(
    pg_url: str, pg_engine: AsyncEngine
) -> None:
    sender = Recorder()
    sessions = make_sessionmaker(pg_engine)
    # A poll so slow that only the NOTIFY can explain a send within a second.
    loop = DeliveryLoop(sessions, {("telegram", "client"): sender}, poll_s=60.0)
    stop = asyncio.Event()
    connected = asyncio.Event()  # it calls each handler once on connecting

    def wake() -> None:
        connected.set()
        loop.wake()

    channels = cluster_sync.handlers(kb=None, wake_delivery=wake)
    assert set(channels) == {OUTBOX_CHANNEL}
    listening = cluster_sync.start_listening(pg_url, channels, stop)
    assert listening is not None
    delivering = asyncio.create_task(loop.run())
    try:
        async with asyncio.timeout(10):
            await connected.wait()
        await asyncio.sleep(0.3)  # the loop has looked once and now waits on its poll
        other_process = make_engine(pg_url)
        try:
            bell = Bell(other_process, OUTBOX_CHANNEL)  # as a web process's runtime rings it
            factory = UnitOfWorkFactory(make_sessionmaker(other_process), on_outbox=bell.ring)
            queued_at = await _queue(factory, "hello")
            await bell.close()
        finally:
            await other_process.dispose()
        async with asyncio.timeout(5):
            await sender.arrived.wait()
        assert sender.sent[0][0] == "hello"
        assert sender.sent[0][1] - queued_at < 1.0
    finally:
        stop.set()
        loop.stop()
        await asyncio.gather(listening, delivering)


def test_sqlite_has_nothing_to_listen_to() -> None:
    channels = cluster_sync.handlers(kb=None, wake_delivery=lambda: None)
    assert cluster_sync.start_listening("sqlite+aiosqlite:///x.db", channels, asyncio.Event()) is None
    assert cluster_sync.handlers(kb=None, wake_delivery=None) == {}


async def test_the_bell_rings_after_commits_that_queued_and_coalesces_a_burst(pg_engine: AsyncEngine) -> None:
    """A NOTIFY in a transaction serialises its commit with every other notifying commit (one lock for the
    whole database, held through the WAL flush), so the turns do not notify: the bell does, after their
    commits, at most once per window of its process."""
    bell = Bell(pg_engine, OUTBOX_CHANNEL, every_s=0.2)
    rings: list[int] = []
    factory = UnitOfWorkFactory(make_sessionmaker(pg_engine), on_outbox=lambda: rings.append(1))
    async with factory() as uow:  # nothing queued: no ring
        await uow.commit()
    async with factory() as uow:  # queued, then rolled back: no ring
        await uow.outbox.add("telegram", "client", "42", {"text": "lost"}, datetime.now(UTC))
        await uow.rollback()
    assert rings == []
    await _queue(factory, "one")
    assert rings == [1]

    for _ in range(50):  # a burst of commits in one window: one NOTIFY at once, one at the window's end
        bell.ring()
    await bell.close()
    assert bell.sent == 2
    await asyncio.sleep(0.25)  # quiet for a window: the next ring is sent at once, alone
    bell.ring()
    await bell.close()
    assert bell.sent == 3


async def test_no_trigger_notifies_on_the_outbox(pg_engine: AsyncEngine) -> None:
    """Migration 0024 dropped 0018's per-transaction trigger; it must not come back unnoticed."""
    async with pg_engine.connect() as conn:
        found = await conn.execute(
            text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'outbox'::regclass AND NOT tgisinternal")
        )
        assert [row[0] for row in found] == []
