"""What a batch of deliveries costs the database: on PostgreSQL the claim and the marks run outside a transaction
(each one statement), and rows whose sends end together are marked sent in one statement, each with its own
time. Elsewhere (SQLite) they keep their transactions. Either way every row ends sent exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogue.messages import Bot, Channel, Outbound
from helpdesk.delivery import DeliveryLoop
from storage.outbox_delivery import OutboxStatus
from storage.tables import outbox
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW

CHATS = [str(100 + i) for i in range(5)]


class Recording:
    """A sender that takes every message at once."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, out: Outbound) -> None:
        self.sent.append((out.chat_id, out.text))


async def _queue(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        for chat in CHATS:
            message = Outbound(Channel.TELEGRAM, Bot.CLIENT, chat, f"hello {chat}")
            await uow.outbox.add("telegram", "client", chat, message.to_dict(), NOW)
        await uow.commit()


def _count_round_trips(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the transactions the driver really opens (BEGIN on the wire) and the UPDATEs of the outbox."""
    seen = {"begin": 0, "update_outbox": 0}
    start = AsyncAdapt_asyncpg_connection._start_transaction

    async def counted(self: Any) -> None:
        if self.isolation_level != "autocommit":  # SQLAlchemy calls it either way; this sends BEGIN
            seen["begin"] += 1
        await start(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "_start_transaction", counted)

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX"):
            seen["update_outbox"] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    return seen


async def test_a_batch_is_claimed_and_marked_sent_in_two_statements_on_postgresql(
    engine: AsyncEngine, live_uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _queue(live_uow_factory)
    ticks = iter(NOW + timedelta(seconds=i) for i in range(1000))
    sender = Recording()
    loop = DeliveryLoop(
        live_uow_factory.sessionmaker, {("telegram", "client"): sender}, clock=lambda: next(ticks)
    )
    seen = _count_round_trips(engine, monkeypatch)

    assert await loop.deliver_once() == len(CHATS)
    delivering = dict(seen)

    assert sorted(sender.sent) == [(chat, f"hello {chat}") for chat in CHATS]
    async with engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.chat_id, outbox.c.status, outbox.c.sent_at))).all()
    assert {(chat, status) for chat, status, _ in rows} == {(chat, OutboxStatus.SENT.value) for chat in CHATS}
    sent_at = [at for *_, at in rows]
    assert all(NOW < at <= NOW + timedelta(seconds=20) for at in sent_at)
    assert len(set(sent_at)) == len(CHATS)  # each row keeps the time of its own send
    if engine.dialect.name == "postgresql":
        # Before: a transaction for the claim and one per row (BEGIN, UPDATE, COMMIT each): 6 and 6.
        assert delivering == {"begin": 0, "update_outbox": 2}
    assert await loop.deliver_once() == 0  # nothing is claimed again
