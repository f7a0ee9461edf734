"""Supervisors hear when a chat cannot be reached, by the person's name, in their language, elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime

from dialogue.delivery_alerts import chat_unreachable
from dialogue.outgoing import Outgoing
from dialogue.payloads import PayloadSigner
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory

SINCE = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


async def test_supervisors_hear_about_a_client_chat_by_name(uows: MemoryUnitOfWorkFactory) -> None:
    out = Outgoing(PayloadSigner("k"))
    async with uows() as uow:
        sent = await chat_unreachable(
            uow,
            out,
            channel="web",
            bot="client",
            chat_id="romashka-ivan",
            since=SINCE,
            error="Telegram answered 500",
            gave_up=False,
        )
    assert sent == 1
    [alert] = out.messages
    assert (alert.channel, alert.bot, alert.chat_id) == ("web", "staff", "s-sokolova")
    assert "Иван Кузнецов" in alert.text and "2026-12-06 09:30" in alert.text and "Продолжаем" in alert.text


async def test_the_unreachable_chat_itself_gets_no_alert(uows: MemoryUnitOfWorkFactory) -> None:
    out = Outgoing(PayloadSigner("k"))
    async with uows() as uow:
        sent = await chat_unreachable(
            uow,
            out,
            channel="web",
            bot="staff",
            chat_id="s-sokolova",
            since=SINCE,
            error="blocked",
            gave_up=True,
        )
    assert sent == 0 and out.messages == []
