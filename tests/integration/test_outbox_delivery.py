"""Contract tests of the outbox delivery functions: claim, mark, lease expiry, per-chat order, concurrency."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import make_sessionmaker
from storage.outbox_delivery import (
    OutboxStatus,
    claim_due,
    list_for_chat,
    mark_failed,
    mark_retry,
    mark_sent,
)
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW


async def _queue(factory: UnitOfWorkFactory, *chats_and_texts: tuple[str, str]) -> None:
    async with factory() as uow:
        for chat, text in chats_and_texts:
            await uow.outbox.add("telegram", "client", chat, {"text": text}, NOW)
        await uow.commit()


async def _claim(
    factory: UnitOfWorkFactory, minutes: float = 0, worker: str = "w1", limit: int = 10
) -> list[str]:
    async with factory() as uow:
        rows = await claim_due(
            uow.session, now=NOW + timedelta(minutes=minutes), limit=limit, worker_id=worker, lease_s=60
        )
        await uow.commit()
    return [row.payload["text"] for row in rows]


async def _history(session: AsyncSession, chat: str = "A") -> list[tuple[str, OutboxStatus]]:
    return [
        (r.payload["text"], r.status) for r in await list_for_chat(session, "telegram", "client", chat, 0)
    ]


async def test_claim_marks_rows_sending_with_a_lease(uow_factory: UnitOfWorkFactory) -> None:
    await _queue(uow_factory, ("A", "a1"), ("B", "b1"))
    async with uow_factory() as uow:
        rows = await claim_due(uow.session, now=NOW, limit=10, worker_id="w1", lease_s=30)
        await uow.commit()
    assert [(r.chat_id, r.status, r.claimed_by, r.attempts) for r in rows] == [
        ("A", OutboxStatus.SENDING, "w1", 1),
        ("B", OutboxStatus.SENDING, "w1", 1),
    ]
    assert {r.claimed_until for r in rows} == {NOW + timedelta(seconds=30)}
    # claimed rows are not claimable again while the lease runs
    assert await _claim(uow_factory, minutes=0.25) == []


async def test_claim_respects_limit_and_due_time(uow_factory: UnitOfWorkFactory) -> None:
    await _queue(uow_factory, ("A", "a1"), ("B", "b1"), ("C", "c1"))
    assert await _claim(uow_factory, minutes=-1) == []  # queued at NOW: not due a minute earlier
    assert await _claim(uow_factory, limit=2) == ["a1", "b1"]
    assert await _claim(uow_factory, limit=0) == []
    assert await _claim(uow_factory) == ["c1"]


async def test_per_chat_order_is_kept(uow_factory: UnitOfWorkFactory) -> None:
    await _queue(uow_factory, ("A", "a1"), ("A", "a2"), ("B", "b1"), ("A", "a3"))
    assert await _claim(uow_factory) == ["a1", "b1"]  # a2 waits for a1
    assert await _claim(uow_factory) == []  # a1 still sending
    async with uow_factory() as uow:
        a1 = (await list_for_chat(uow.session, "telegram", "client", "A", 0))[0]
        await mark_sent(uow.session, a1.id, NOW)
        await uow.commit()
    assert await _claim(uow_factory) == ["a2"]


async def test_retry_and_failure(uow_factory: UnitOfWorkFactory) -> None:
    await _queue(uow_factory, ("A", "a1"), ("A", "a2"))
    await _claim(uow_factory)
    async with uow_factory() as uow:
        a1 = (await list_for_chat(uow.session, "telegram", "client", "A", 0))[0]
        await mark_retry(uow.session, a1.id, at=NOW, next_attempt_at=NOW + timedelta(minutes=5), error="429")
        await uow.commit()
    # a1 is back in the queue but not due; a2 still may not overtake it
    assert await _claim(uow_factory, minutes=1) == []
    assert await _claim(uow_factory, minutes=5) == ["a1"]
    async with uow_factory() as uow:
        rows = await list_for_chat(uow.session, "telegram", "client", "A", 0)
        assert (rows[0].attempts, rows[0].last_error) == (2, "429")
        await mark_failed(uow.session, rows[0].id, at=NOW, error="400 chat not found")
        await uow.commit()
    # a failed row no longer blocks its chat
    assert await _claim(uow_factory, minutes=5) == ["a2"]
    async with uow_factory() as uow:
        a2 = (await list_for_chat(uow.session, "telegram", "client", "A", 0))[1]
        await mark_sent(uow.session, a2.id, NOW + timedelta(minutes=6))
        await uow.commit()
        rows = await list_for_chat(uow.session, "telegram", "client", "A", 0)
    assert [(r.status, r.last_error, r.claimed_by) for r in rows] == [
        (OutboxStatus.FAILED, "400 chat not found", None),
        (OutboxStatus.SENT, None, None),
    ]
    assert rows[1].sent_at == NOW + timedelta(minutes=6)


async def test_expired_lease_makes_row_claimable_again(uow_factory: UnitOfWorkFactory) -> None:
    await _queue(uow_factory, ("A", "a1"), ("A", "a2"))
    assert await _claim(uow_factory, worker="crashed") == ["a1"]
    assert await _claim(uow_factory, minutes=0.9, worker="w2") == []  # lease of 60 s still runs
    assert await _claim(uow_factory, minutes=1, worker="w2") == ["a1"]  # at the end of the lease
    async with uow_factory() as uow:
        rows = await list_for_chat(uow.session, "telegram", "client", "A", 0)
    assert (rows[0].claimed_by, rows[0].attempts) == ("w2", 2)
    assert rows[1].status is OutboxStatus.PENDING


async def test_history_after_id_and_other_chats(uow_factory: UnitOfWorkFactory) -> None:
    await _queue(uow_factory, ("A", "a1"), ("B", "b1"), ("A", "a2"))
    async with uow_factory() as uow:
        rows = await list_for_chat(uow.session, "telegram", "client", "A", 0)
        assert [r.payload["text"] for r in rows] == ["a1", "a2"]
        assert await list_for_chat(uow.session, "telegram", "client", "A", rows[-1].id) == []
        assert await list_for_chat(uow.session, "whatsapp", "client", "A", 0) == []
        assert await list_for_chat(uow.session, "telegram", "staff", "A", 0) == []


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_concurrent_claims_on_postgres_never_share_a_row(live_uow_factory: UnitOfWorkFactory) -> None:
    chats = [(f"chat-{i % 40}", f"m{i}") for i in range(200)]
    await _queue(live_uow_factory, *chats)
    sessions = make_sessionmaker(live_uow_factory.sessionmaker.kw["bind"])
    claimed: dict[str, list[int]] = {"w1": [], "w2": [], "w3": []}

    async def worker(name: str) -> None:
        for _ in range(30):
            async with sessions() as session, session.begin():
                rows = await claim_due(session, now=NOW, limit=7, worker_id=name, lease_s=60)
                await asyncio.sleep(0.005)  # hold the row locks while the other workers claim
            claimed[name] += [r.id for r in rows]
            async with sessions() as session, session.begin():
                for row in rows:
                    await mark_sent(session, row.id, NOW)

    await asyncio.gather(*(worker(name) for name in claimed))
    every = [i for ids in claimed.values() for i in ids]
    assert len(every) == len(set(every)) == 200  # each row delivered once, none twice
    assert all(claimed.values())  # the work was shared


async def test_per_chat_order_under_concurrent_workers(live_uow_factory: UnitOfWorkFactory) -> None:
    """Several workers drain one chat: messages are claimed strictly in order, one at a time."""
    await _queue(live_uow_factory, *[("A", f"a{i}") for i in range(12)])
    order: list[str] = []

    async def worker(name: str) -> None:
        for _ in range(40):
            async with live_uow_factory() as uow:
                rows = await claim_due(uow.session, now=NOW, limit=5, worker_id=name, lease_s=60)
                await uow.commit()
            assert len(rows) <= 1
            for row in rows:
                order.append(row.payload["text"])
                async with live_uow_factory() as uow:
                    await mark_sent(uow.session, row.id, NOW)
                    await uow.commit()
            await asyncio.sleep(0)

    await asyncio.gather(*(worker(f"w{i}") for i in range(3)))
    assert order == [f"a{i}" for i in range(12)]
