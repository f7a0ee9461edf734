"""What other processes' commits tell a process (PostgreSQL NOTIFY): a reply queued anywhere is sent by a
worker at once, not at its next poll."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogue.messages import Bot, Channel, Outbound
from helpdesk import cluster_sync
from helpdesk.delivery import DeliveryLoop
from storage.db import make_engine, make_sessionmaker
from storage.notify import OUTBOX_CHANNEL
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import truncate_core

pytestmark = pytest.mark.postgres


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, float]] = []
        self.arrived = asyncio.Event()

    async def send(self, out: Outbound) -> None:
        self.sent.append((out.text, time.monotonic()))
        self.arrived.set()


@pytest.fixture
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(pg_url)
    await truncate_core(engine)
    yield engine
    await truncate_core(engine)
    await engine.dispose()


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
            queued_at = await _queue(UnitOfWorkFactory(make_sessionmaker(other_process)), "hello")
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
