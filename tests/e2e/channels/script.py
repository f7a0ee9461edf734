"""Steps and checks the channel transcripts share: the client's question, the intake form, the database."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import select

from storage.tables import outbox, tickets
from tests.e2e.channels.app import RunningApp
from tests.e2e.channels.driver import ClientChannelDriver

QUESTION = "Принтер замял бумагу"
TICKET_REF = re.compile(r"HD-\d{4,}")


async def ticket_rows(app: RunningApp) -> list[dict[str, object]]:
    """Every ticket row in the app's database."""
    async with app.rt.sessions() as session:
        rows = (await session.execute(select(tickets))).mappings().all()
    return [dict(row) for row in rows]


async def assert_every_reply_was_delivered(app: RunningApp) -> None:
    """Every outbox row is sent within a moment: none failed or is stuck (the delivery loop may still be busy)."""
    for _ in range(40):
        async with app.rt.sessions() as session:
            rows = (await session.execute(select(outbox.c.status, outbox.c.last_error))).all()
        if {row.status for row in rows} == {"sent"}:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"outbox rows not sent: {[tuple(r) for r in rows if r.status != 'sent']}")


async def open_ticket(client: ClientChannelDriver) -> str:
    """Ask, say the answer did not help, fill in the form; return the ticket number the client got."""
    await client.say(QUESTION)
    await client.wait_for("Вот что нашлось в базе знаний")
    await client.wait_for("Это помогло?")
    await client.press("Не помогло")
    await client.wait_for("Опишите проблему")
    await client.say("Замятие повторяется каждый раз, лоток 2")
    await client.wait_for("К чему это относится?")
    await client.press("Принтеры")
    await client.wait_for("Укажите адрес")
    await client.share_location(55.7585, 37.6120)
    await client.wait_for("Насколько срочно?")
    await client.press("Обычная")
    summary = await client.wait_for_summary(
        "Проверьте заявку", "Как к вам обращаться", "Пётр, +7 916 555-12-34"
    )
    assert "лоток 2" in summary
    await client.press("Отправить")
    opened = await client.wait_for("оформлена")
    found = TICKET_REF.search(opened)
    assert found, opened
    return found.group()
