"""The delivery loop never gives up silently: it retries past the fast attempts, tells supervisors once,
gives up only after `retry_for_s` (telling them again), and keeps a lease alive while a send is slow."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

import helpdesk.delivery as delivery
from dialogue.messages import Bot, Channel, DeliveryError, Outbound
from helpdesk.delivery import FAST_ATTEMPTS, DeliveryLoop
from storage.outbox_delivery import OutboxStatus, list_for_chat
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW
from ticket_core.log_context import log_fields


class Flaky:
    """A sender that fails with a 5xx-like error until `healthy` is set."""

    def __init__(self) -> None:
        self.healthy = False
        self.sent: list[str] = []
        self.tries = 0

    async def send(self, out: Outbound) -> None:
        self.tries += 1
        if not self.healthy:
            raise DeliveryError("Telegram answered 500")
        self.sent.append(out.text)


async def _queue(uows: UnitOfWorkFactory, *texts: str) -> None:
    async with uows() as uow:
        for text in texts:
            message = Outbound(Channel.TELEGRAM, Bot.CLIENT, "42", text)
            await uow.outbox.add("telegram", "client", "42", message.to_dict(), NOW)
        await uow.commit()


async def _statuses(uows: UnitOfWorkFactory) -> list[tuple[str, OutboxStatus, int]]:
    async with uows() as uow:
        rows = await list_for_chat(uow.session, "telegram", "client", "42", 0)
    return [(r.payload["text"], r.status, r.attempts) for r in rows]


async def test_retries_go_on_past_the_fast_attempts_and_supervisors_hear_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await _queue(uow_factory, "first", "second")
    clock = [NOW]
    alerts: list[tuple[str, bool]] = []

    async def unreachable(row: Any, error: str, gave_up: bool) -> None:
        alerts.append((row.payload["text"], gave_up))

    sender = Flaky()
    loop = DeliveryLoop(
        uow_factory.sessionmaker,
        {("telegram", "client"): sender},
        clock=lambda: clock[0],
        retry_for_s=3600,
        on_unreachable=unreachable,
    )
    for _ in range(FAST_ATTEMPTS + 4):
        await loop.deliver_once()
        clock[0] += timedelta(seconds=delivery.BACKOFF_MAX_S)
    assert sender.tries == FAST_ATTEMPTS + 4
    assert alerts == [("first", False)]  # once, when the fast retries were spent
    assert [s for _, s, _ in await _statuses(uow_factory)] == [OutboxStatus.PENDING, OutboxStatus.PENDING]

    sender.healthy = True
    await loop.deliver_once()
    await loop.deliver_once()
    assert sender.sent == ["first", "second"]  # in order, nothing dropped


async def test_given_up_only_after_retry_for_and_supervisors_are_told(uow_factory: UnitOfWorkFactory) -> None:
    await _queue(uow_factory, "lost?")
    clock = [NOW]
    alerts: list[tuple[str, bool]] = []

    async def unreachable(row: Any, error: str, gave_up: bool) -> None:
        alerts.append((error, gave_up))

    loop = DeliveryLoop(
        uow_factory.sessionmaker,
        {("telegram", "client"): Flaky()},
        clock=lambda: clock[0],
        retry_for_s=60,
        on_unreachable=unreachable,
    )
    for _ in range(FAST_ATTEMPTS - 1):
        await loop.deliver_once()
        clock[0] += timedelta(seconds=delivery.BACKOFF_MAX_S)
    assert alerts == [] and clock[0] - NOW >= timedelta(seconds=60)
    await loop.deliver_once()  # the fast tries are spent and a minute has passed
    assert await _statuses(uow_factory) == [("lost?", OutboxStatus.FAILED, FAST_ATTEMPTS)]
    assert alerts == [("Telegram answered 500", True)]  # given up: no separate "still retrying" first


async def test_an_unreadable_row_is_given_up_instead_of_holding_its_chat(
    uow_factory: UnitOfWorkFactory,
) -> None:
    next_one = Outbound(Channel.TELEGRAM, Bot.CLIENT, "42", "next").to_dict()
    async with uow_factory() as uow:
        await uow.outbox.add("telegram", "client", "42", {"text": "no channel field"}, NOW)
        await uow.outbox.add("telegram", "client", "42", next_one, NOW)
        await uow.commit()
    sender = Flaky()
    sender.healthy = True
    loop = DeliveryLoop(uow_factory.sessionmaker, {("telegram", "client"): sender}, clock=lambda: NOW)
    await loop.deliver_once()
    await loop.deliver_once()
    assert sender.sent == ["next"]
    statuses = await _statuses(uow_factory)
    assert [s for _, s, _ in statuses] == [OutboxStatus.FAILED, OutboxStatus.SENT]


async def test_a_slow_send_keeps_its_lease(
    live_uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "LEASE_S", 0.3)
    monkeypatch.setattr(delivery, "HEARTBEAT_S", 0.1)
    await _queue(live_uow_factory, "slow")
    started = asyncio.Event()
    release = asyncio.Event()

    class Slow:
        async def send(self, out: Outbound) -> None:
            started.set()
            await release.wait()

    first = DeliveryLoop(live_uow_factory.sessionmaker, {("telegram", "client"): Slow()})
    other_sender = Flaky()
    other_sender.healthy = True
    second = DeliveryLoop(live_uow_factory.sessionmaker, {("telegram", "client"): other_sender})
    sending = asyncio.create_task(first.deliver_once())
    await started.wait()
    await asyncio.sleep(0.6)  # twice the lease: without the heartbeat another worker would take the row
    assert await second.deliver_once() == 0
    release.set()
    await sending
    assert other_sender.sent == []
    assert [s for _, s, _ in await _statuses(live_uow_factory)] == [OutboxStatus.SENT]


async def test_a_sends_log_lines_name_the_update_that_queued_it_and_the_chat(
    uow_factory: UnitOfWorkFactory,
) -> None:
    seen: list[dict[str, object]] = []

    class Recording(Flaky):
        async def send(self, out: Outbound) -> None:
            seen.append(log_fields())

    async with uow_factory() as uow:
        message = Outbound(Channel.TELEGRAM, Bot.CLIENT, "42", "hello")
        await uow.outbox.add("telegram", "client", "42", message.to_dict(), NOW, inbound_key="tg:client:9")
        await uow.commit()
    loop = DeliveryLoop(uow_factory.sessionmaker, {("telegram", "client"): Recording()}, clock=lambda: NOW)
    await loop.deliver_once()
    assert len(seen) == 1
    assert seen[0]["update"] == "tg:client:9" and seen[0]["chat"] == "telegram:client:42"
    assert log_fields() == {}


class Recorder:
    """The staff web chat's sender: keeps what supervisors were told."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, out: Outbound) -> None:
        self.sent.append((out.chat_id, out.text))


async def test_a_channel_outage_is_one_alert_per_supervisor_and_its_end_one_more(
    live_uow_factory: UnitOfWorkFactory,
) -> None:
    """Telegram down for twelve clients' chats: supervisors hear of the first by name, not of each, and once
    more when messages get through again (before, each chat was an alert of its own)."""
    from dialogue.engine import DialogueEngine
    from dialogue.payloads import PayloadSigner
    from helpdesk.demo.loader import load_directory, read_directory
    from helpdesk.intake import UnreachableAlert
    from tests.fakes.fake_kb import FakeKnowledgeBase

    chats = [str(100 + n) for n in range(12)]
    async with live_uow_factory() as uow:
        await load_directory(uow, read_directory())
        for chat in chats:
            message = Outbound(Channel.TELEGRAM, Bot.CLIENT, chat, f"reply to {chat}")
            await uow.outbox.add("telegram", "client", chat, message.to_dict(), NOW)
        await uow.commit()
    clock = [NOW]
    engine = DialogueEngine(
        live_uow_factory, PayloadSigner("s"), kb=FakeKnowledgeBase([]), nlu=None, clock=lambda: clock[0]
    )  # type: ignore[arg-type]
    alert = UnreachableAlert(engine, lambda: None)  # its clock is the engine's
    telegram, staff_web = Flaky(), Recorder()
    loop = DeliveryLoop(
        live_uow_factory.sessionmaker,
        {("telegram", "client"): telegram, ("web", "staff"): staff_web},
        clock=lambda: clock[0],
        retry_for_s=3600,
        on_unreachable=alert,
        on_delivered=alert.delivered,
    )
    for _ in range(FAST_ATTEMPTS + 2):
        await loop.deliver_once()
        clock[0] += timedelta(seconds=delivery.BACKOFF_MAX_S)
    await loop.deliver_once()  # the alerts themselves go out on the staff web chat
    told = [text for chat, text in staff_web.sent if chat == "s-sokolova"]
    assert len(told) == 1, told  # one supervisor, one alert, not twelve
    assert told[0].startswith("⚠️") and "telegram" in told[0]

    telegram.healthy = True
    for _ in range(3):
        clock[0] += timedelta(seconds=delivery.BACKOFF_MAX_S)
        await loop.deliver_once()
    assert sorted(telegram.sent) == sorted(f"reply to {chat}" for chat in chats)
    told = [text for chat, text in staff_web.sent if chat == "s-sokolova"]
    assert len(told) == 2 and told[1].startswith("✅"), told
    assert "затронуто чатов: 12" in told[1]
