"""The supervisors' daily digest: yesterday's counts and today's backlog, sent once a day after its time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialogue.engine import DialogueEngine
from dialogue.payloads import PayloadSigner
from helpdesk.digest import parse_at, send_daily_digest_if_due
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock
from tests.unit.dialogue.test_transcripts import open_ticket_as


async def test_digest_counts_yesterday_and_is_sent_once(
    uows: MemoryUnitOfWorkFactory, kb, ivan: Person, sokolova: Person
) -> None:
    clock = Clock()
    clock.now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 13:00 in Moscow
    engine = DialogueEngine(uows, PayloadSigner("s"), kb=kb, clock=clock)  # type: ignore[arg-type]
    chat = ChatDriver(engine.handle)
    await open_ticket_as(chat, ivan, "Течёт кран на кухне", "Сантехника", "Ромашка на Невском")
    await open_ticket_as(chat, ivan, "Не работает розетка", "Электрика", "Ромашка на Невском")
    chat.new_texts(sokolova)

    clock.now = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)  # 08:00 Moscow: too early
    assert await send_daily_digest_if_due(engine, "09:00", "Europe/Moscow") is False
    clock.now += timedelta(hours=2)  # 10:00 Moscow
    assert await send_daily_digest_if_due(engine, "09:00", "Europe/Moscow") is True
    assert await send_daily_digest_if_due(engine, "09:00", "Europe/Moscow") is False  # once a day
    rows = [r for r in uows.state.outbox if r["chat_id"] == "s-sokolova"]
    text = rows[-1]["payload"]["text"]
    assert text.startswith("Сводка за 02.03.2026:\n• новых заявок: 2\n")
    assert text.endswith("Сейчас ждут инженера: 2, в работе: 0.")  # both were offered and wait


def test_parse_at() -> None:
    assert parse_at("09:30").hour == 9
    with pytest.raises(ValueError, match="HH:MM"):
        parse_at("nine")
