"""A process sends the replies its own transactions queued (`storage.outbox_direct`, `helpdesk.delivery_direct`).

The rows are claimed in the transaction that queued them, when nothing older of their chat waits, and sent
right after its commit, a chat's one after another; the workers' loop is the net for what is left: rows of a
chat with something older waiting, rows given back after a failed send, rows of a process that died.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogue.messages import Bot, Channel, DeliveryError, Outbound
from helpdesk.delivery import DeliveryLoop
from helpdesk.delivery_direct import DirectDelivery
from storage.db import make_sessionmaker
from storage.outbox_delivery import OutboxRow, OutboxStatus, claim_due, list_for_chat
from storage.uow import UnitOfWorkFactory

pytestmark = pytest.mark.postgres


class Platform:
    """A Telegram that records what it was sent; a text starting with "down" fails (a retry) the first time."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.refused: set[str] = set()

    async def send(self, out: Outbound) -> None:
        await asyncio.sleep(0.01)  # a round trip: sends of one chat would overlap if they were not chained
        if out.text.startswith("down") and out.text not in self.refused:
            self.refused.add(out.text)
            raise DeliveryError("Telegram is down")
        self.sent.append(out.text)


class Setup:
    def __init__(self, db: AsyncEngine, *, clock: datetime | None = None) -> None:
        self.sessions = make_sessionmaker(db)
        self.bells = 0
        self.uows = UnitOfWorkFactory(self.sessions, on_outbox=self._ring)
        self.platform = Platform()
        self.now = clock or datetime.now(UTC)
        self.loop = DeliveryLoop(
            self.sessions, {("telegram", "client"): self.platform}, clock=lambda: self.now
        )
        self.direct = DirectDelivery(self.loop, self.sessions, clock=lambda: self.now)
        self.handed: list[OutboxRow] = []

    def _ring(self) -> None:
        self.bells += 1

    def send_directly(self, *, dead: bool = False) -> None:
        """Units claim their rows from now on; a dead process never sends them."""

        def hand(rows: list[OutboxRow]) -> None:
            self.handed.extend(rows)
            if not dead:
                self.direct.send(rows)

        self.uows.send_own_rows(self.direct.claim, hand)

    async def reply(
        self, chat: str, *texts: str, channel: str = "telegram", key: str = "tg:client:1"
    ) -> None:
        async with self.uows() as uow:
            messages = [
                (channel, "client", chat, Outbound(Channel(channel), Bot.CLIENT, chat, t).to_dict())
                for t in texts
            ]
            await uow.outbox.add_many(messages, self.now, key)
            await uow.commit()

    async def history(self, chat: str = "42") -> list[tuple[str, OutboxStatus, int]]:
        async with self.sessions() as session:
            rows = await list_for_chat(session, "telegram", "client", chat, 0)
        return [(r.payload["text"], r.status, r.attempts) for r in rows]


async def _settled(setup: Setup) -> None:
    await setup.direct.close(timeout_s=10)


async def test_the_replies_a_transaction_queued_are_claimed_in_it_and_sent_after_its_commit(
    pg_engine: AsyncEngine,
) -> None:
    setup = Setup(pg_engine)
    setup.send_directly()

    await setup.reply("42", "one", "two", "three")
    await setup.reply("43", "elsewhere")
    await _settled(setup)

    assert [t for t in setup.platform.sent if t != "elsewhere"] == ["one", "two", "three"]
    assert await setup.history() == [(t, OutboxStatus.SENT, 1) for t in ("one", "two", "three")]
    assert setup.bells == 0  # nobody had to be woken
    assert {r.claimed_by for r in setup.handed} == {setup.direct.claim.owner}


async def test_a_chat_with_something_older_waiting_leaves_its_replies_to_the_workers(
    pg_engine: AsyncEngine,
) -> None:
    setup = Setup(pg_engine)
    await setup.reply("43", "taken")
    async with setup.sessions() as session, session.begin():  # a worker is sending chat 43's row
        await claim_due(session, now=setup.now, limit=10, worker_id="worker", lease_s=60)
    await setup.reply("42", "older")  # queued by a process that does not send: pending
    setup.send_directly()
    bells = setup.bells

    await setup.reply("42", "newer")
    await setup.reply("43", "newer too")
    await setup.reply("45", "web", channel="web")  # a channel this process does not send
    await _settled(setup)

    assert setup.handed == [] and setup.platform.sent == []
    assert setup.bells == bells + 3  # the workers are told of each
    assert [s for _, s, _ in await setup.history("42")] == [OutboxStatus.PENDING, OutboxStatus.PENDING]


async def test_a_turn_queues_and_claims_its_rows_in_one_statement_writing_each_once(
    pg_engine: AsyncEngine,
) -> None:
    setup = Setup(pg_engine)
    setup.send_directly(dead=True)
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(args[2])

    event.listen(pg_engine.sync_engine, "before_cursor_execute", count)
    try:
        async with setup.uows() as uow:
            await uow.outbox.add_many(
                [
                    (
                        "telegram",
                        "client",
                        "42",
                        Outbound(Channel.TELEGRAM, Bot.CLIENT, "42", "one").to_dict(),
                    ),
                    (
                        "web",
                        "client",
                        "42",
                        Outbound(Channel.WEB, Bot.CLIENT, "42", "to the browser").to_dict(),
                    ),
                    (
                        "telegram",
                        "client",
                        "42",
                        Outbound(Channel.TELEGRAM, Bot.CLIENT, "42", "two").to_dict(),
                    ),
                ],
                setup.now,
                "tg:client:1",
            )
            await uow.commit()
    finally:
        event.remove(pg_engine.sync_engine, "before_cursor_execute", count)

    assert sum("outbox" in s for s in sent) == 1  # queued, claimed and the message marked answered at once
    assert [r.payload["text"] for r in setup.handed] == ["one", "two"]
    async with setup.sessions() as session:
        rows = {r.payload["text"]: r for r in await list_for_chat(session, "telegram", "client", "42", 0)}
        web = await list_for_chat(session, "web", "client", "42", 0)
    owner, until = setup.direct.claim.owner, setup.now + timedelta(seconds=setup.direct.claim.lease_s)
    for text in ("one", "two"):
        assert (rows[text].status, rows[text].attempts, rows[text].claimed_by) == (
            OutboxStatus.SENDING,
            1,
            owner,
        )
        assert rows[text].claimed_until == until
    assert [(r.status, r.attempts, r.claimed_by, r.claimed_until) for r in web] == [
        (OutboxStatus.PENDING, 0, None, None)
    ]
    assert setup.bells == 1  # for the web chat's row, left to the workers


async def test_rows_of_the_same_process_still_being_sent_do_not_hold_a_chat_back(
    pg_engine: AsyncEngine,
) -> None:
    setup = Setup(pg_engine)
    setup.send_directly(dead=True)  # claimed, not sent yet: as while the first send is on its way
    await setup.reply("42", "first")
    await setup.reply("42", "second", key="tg:client:2")

    assert [r.payload["text"] for r in setup.handed] == ["first", "second"]


async def test_a_reply_that_does_not_get_through_gives_back_the_chat_s_rows_behind_it(
    pg_engine: AsyncEngine,
) -> None:
    setup = Setup(pg_engine)
    setup.send_directly()

    await setup.reply("42", "down 1", "behind 2")
    await setup.reply("42", "behind 3", key="tg:client:2")
    await _settled(setup)

    assert setup.platform.sent == []  # nothing overtook the row that did not go
    assert await setup.history() == [
        ("down 1", OutboxStatus.PENDING, 1),  # tried once, due again after the backoff
        ("behind 2", OutboxStatus.PENDING, 0),  # given back untried
        ("behind 3", OutboxStatus.PENDING, 0),
    ]
    setup.now += timedelta(seconds=5)  # the backoff ran out: the workers' loop sends them, in order
    while await setup.loop.deliver_once():
        pass
    assert setup.platform.sent == ["down 1", "behind 2", "behind 3"]


async def test_the_rows_of_a_process_that_died_are_sent_by_a_worker_once_their_lease_ran_out(
    pg_engine: AsyncEngine,
) -> None:
    setup = Setup(pg_engine)
    setup.send_directly(dead=True)
    await setup.reply("42", "one", "two")

    assert await setup.loop.deliver_once() == 0  # leased to the process that claimed them
    setup.now += timedelta(seconds=setup.direct.claim.lease_s + 1)
    while await setup.loop.deliver_once():
        pass

    assert setup.platform.sent == ["one", "two"]
    assert await setup.history() == [("one", OutboxStatus.SENT, 2), ("two", OutboxStatus.SENT, 2)]
