"""Contract tests of the dialogue ports: inbound dedup, conversation state (SQL and Redis), interactions, outbox.

The port contracts run on every implementation through `port_uows`: memory (the unit tests'), SQLite and
PostgreSQL, reading back through `_queued`, `_answered` and `_interactions`. Tests about SQL specifics (the
durable inbox's rows, the delivery columns the relay reads, races across sessions, statements sent and
compiled, Redis in front of SQL) take `uow_factory` or `engine` and run on SQL only.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import inbox as inbox_rows
from storage import inbox_admin
from storage.db import make_sessionmaker
from storage.outbox_delivery import OutboxStatus, list_for_chat
from storage.redis_state import RedisConversationStore
from storage.tables import inbound_log, interactions, outbox
from storage.uow import UnitOfWorkFactory
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.integration.conftest import NOW, connect_redis, drop_prefix


async def _queued(uows: UnitOfWorkFactory, chat_id: str) -> list[dict[str, Any]]:
    """The payloads queued for Telegram client chat `chat_id` and committed, in the order they were queued."""
    if isinstance(uows, MemoryUnitOfWorkFactory):
        chat = ("telegram", "client", chat_id)
        return [r["payload"] for r in uows.state.outbox if (r["channel"], r["bot"], r["chat_id"]) == chat]
    async with uows() as uow:
        return [r.payload for r in await list_for_chat(uow.session, "telegram", "client", chat_id, 0)]


async def _answered(uows: UnitOfWorkFactory) -> dict[str, bool]:
    """Every inbound message logged and committed: whether a reply was queued for it."""
    if isinstance(uows, MemoryUnitOfWorkFactory):
        return {key: key in uows.state.answered for key in uows.state.inbound}
    async with uows() as uow:
        rows = (await uow.session.execute(select(inbound_log.c.dedup_key, inbound_log.c.answered))).all()
    return {key: bool(flag) for key, flag in rows}


async def _interactions(uows: UnitOfWorkFactory) -> list[dict[str, Any]]:
    """The interactions committed, oldest first: kind, at, article_id, query, data."""
    names = ("kind", "at", "article_id", "query", "data")
    if isinstance(uows, MemoryUnitOfWorkFactory):
        return [{n: row.get(n) for n in names} for row in uows.state.interactions]
    async with uows() as uow:
        rows = (await uow.session.execute(select(interactions).order_by(interactions.c.id))).mappings().all()
    return [{n: row[n] for n in names} for row in rows]


async def test_inbound_first_time_then_repeat(port_uows: UnitOfWorkFactory) -> None:
    uow_factory = port_uows
    async with uow_factory() as uow:
        assert await uow.inbound.first_time("tg:client:1", NOW) is True
        assert await uow.inbound.first_time("tg:client:1", NOW) is False
        assert await uow.inbound.first_time("tg:client:2", NOW) is True
        # the transaction is still usable after a repeat (no aborted transaction on PostgreSQL)
        assert await uow.tickets.get("x") is None
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.inbound.first_time("tg:client:1", NOW) is False
        assert await uow.inbound.first_time("tg:client:3", NOW) is True


async def test_a_handled_message_marks_its_inbox_row_done_with_the_turn(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # SQL only: the durable inbox (storage.inbox) is storage's table, not a port of the memory unit.
    async with uow_factory() as uow:
        row_id = await inbox_rows.record(
            uow.session, dedup_key="tg:client:7", chat="telegram:client:7", payload={}, at=NOW
        )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.inbound.first_time("tg:client:7", NOW) is True
        # rolled back: the row stays pending
    async with uow_factory() as uow:
        row = await inbox_admin.get(uow.session, row_id or 0)
        assert row is not None and row.status is inbox_rows.InboxStatus.PENDING
        assert await uow.inbound.first_time("tg:client:7", NOW) is True
        await uow.commit()
    async with uow_factory() as uow:
        row = await inbox_admin.get(uow.session, row_id or 0)
        assert row is not None and (row.status, row.done_at) == (inbox_rows.InboxStatus.DONE, NOW)


async def test_inbound_forgotten_on_rollback(port_uows: UnitOfWorkFactory) -> None:
    async with port_uows() as uow:
        assert await uow.inbound.first_time("k", NOW) is True
    async with port_uows() as uow:
        assert await uow.inbound.first_time("k", NOW) is True


async def test_inbound_concurrent_repeats_only_one_first(live_uow_factory: UnitOfWorkFactory) -> None:
    # SQL only: a race between transactions of concurrent sessions (the memory unit has no isolation to test).
    async def handle() -> bool:
        async with live_uow_factory() as uow:
            first = await uow.inbound.first_time("wa:client:msg-1", NOW)
            await asyncio.sleep(0.01)
            await uow.commit()
            return first

    results = await asyncio.gather(*(handle() for _ in range(10)))
    assert results.count(True) == 1


async def test_interactions(port_uows: UnitOfWorkFactory) -> None:
    async with port_uows() as uow:
        await uow.interactions.add(
            "kb_answer", NOW, contact_id="c-anna", channel="telegram", query="printer", article_id="a-1"
        )
        await uow.interactions.add("kb_no_answer", NOW + timedelta(seconds=1), data={"hits": 0, "at": NOW})
        await uow.commit()
    async with port_uows() as uow:
        await uow.interactions.add("rolled_back", NOW)
    rows = await _interactions(port_uows)
    assert [(r["kind"], r["article_id"], r["query"]) for r in rows] == [
        ("kb_answer", "a-1", "printer"),
        ("kb_no_answer", None, None),
    ]
    assert rows[0]["at"] == NOW
    assert rows[1]["data"] == {"hits": 0, "at": NOW.isoformat()}


async def test_outbox_add_queues_messages_in_order(port_uows: UnitOfWorkFactory) -> None:
    payload: dict[str, Any] = {"text": "hi", "buttons": [["a"]], "at": NOW}
    async with port_uows() as uow:
        await uow.outbox.add("telegram", "client", "42", payload, NOW)
        payload["text"] = "changed after queueing"  # the queued message is not the caller's dict
        await uow.outbox.add("telegram", "client", "42", {"text": "second"}, NOW)
        await uow.outbox.add("telegram", "client", "43", {"text": "other chat"}, NOW)
        await uow.commit()
    assert await _queued(port_uows, "42") == [
        {"text": "hi", "buttons": [["a"]], "at": NOW.isoformat()},  # JSON: a timestamp comes back a string
        {"text": "second"},
    ]
    assert await _queued(port_uows, "43") == [{"text": "other chat"}]


async def test_outbox_add_queues_pending_rows(uow_factory: UnitOfWorkFactory) -> None:
    # SQL only: the delivery columns are the relay's (storage.outbox_delivery), not the port's.
    async with uow_factory() as uow:
        await uow.outbox.add("telegram", "client", "42", {"text": "hi", "buttons": [["a"]]}, NOW)
        await uow.outbox.add("telegram", "client", "42", {"text": "second"}, NOW)
        await uow.outbox.add("telegram", "client", "43", {"text": "other chat"}, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        rows = await list_for_chat(uow.session, "telegram", "client", "42", 0)
        after_first = await list_for_chat(uow.session, "telegram", "client", "42", rows[0].id)
    assert [r.payload["text"] for r in rows] == ["hi", "second"]
    assert rows[0].payload["buttons"] == [["a"]]
    assert {r.status for r in rows} == {OutboxStatus.PENDING}
    assert (rows[0].attempts, rows[0].next_attempt_at, rows[0].created_at) == (0, NOW, NOW)
    assert [r.payload["text"] for r in after_first] == ["second"]


# Conversation state: SQL on both databases, and Redis in front of PostgreSQL.


@pytest.fixture(params=["store", pytest.param("redis", marks=pytest.mark.redis)])
async def conv_factory(
    request: pytest.FixtureRequest, port_uows: UnitOfWorkFactory
) -> AsyncIterator[UnitOfWorkFactory]:
    """`port_uows` (memory, SQLite, PostgreSQL), with Redis conversation state for the "redis" variant."""
    uow_factory = port_uows
    if request.param == "store":
        yield uow_factory
        return
    if isinstance(uow_factory, MemoryUnitOfWorkFactory):
        pytest.skip("Redis stands in front of the SQL store only")
    # Async fixtures cannot be requested dynamically from here, so the client is opened directly.
    redis = await connect_redis()
    prefix = f"test:{uuid.uuid4().hex}:"
    try:
        yield UnitOfWorkFactory(uow_factory.sessionmaker, redis=redis, redis_prefix=prefix)
    finally:
        await drop_prefix(redis, prefix)
        await redis.aclose()


async def test_conversation_store_contract(conv_factory: UnitOfWorkFactory) -> None:
    state: dict[str, Any] = {"flow": "intake", "step": 2, "answers": {"address": "Tverskaya 1"}, "lang": "ru"}
    async with conv_factory() as uow:
        assert await uow.conversations.load("tg:client:1") is None
        await uow.conversations.save("tg:client:1", {**state, "since": NOW}, NOW)
        state["since"] = NOW.isoformat()  # JSON: a timestamp comes back a string
        assert await uow.conversations.load("tg:client:1") == state  # own write visible before commit
        await uow.commit()
    async with conv_factory() as uow:
        assert await uow.conversations.load("tg:client:1") == state
        await uow.conversations.save("tg:client:1", {"flow": "rating"}, NOW)
        await uow.commit()
    async with conv_factory() as uow:
        assert await uow.conversations.load("tg:client:1") == {"flow": "rating"}
        await uow.conversations.clear("tg:client:1")
        assert await uow.conversations.load("tg:client:1") is None
        await uow.commit()
    async with conv_factory() as uow:
        assert await uow.conversations.load("tg:client:1") is None
        await uow.conversations.clear("never-saved")  # clearing nothing is fine


async def test_conversation_store_rollback_keeps_old_state(conv_factory: UnitOfWorkFactory) -> None:
    async with conv_factory() as uow:
        await uow.conversations.save("k", {"v": 1}, NOW)
        await uow.commit()
    async with conv_factory() as uow:
        await uow.conversations.save("k", {"v": 2}, NOW)
        await uow.rollback()
    async with conv_factory() as uow:
        await uow.conversations.clear("k")
        # leaving without commit
    async with conv_factory() as uow:
        assert await uow.conversations.load("k") == {"v": 1}


async def test_redis_reads_come_from_redis_and_never_lead_the_database(
    engine: AsyncEngine, redis_client: Redis, redis_prefix: str
) -> None:
    # SQL and Redis only: what Redis holds before and after a commit that fails.
    factory = UnitOfWorkFactory(make_sessionmaker(engine), redis=redis_client, redis_prefix=redis_prefix)
    chat = f"chat-{uuid.uuid4().hex}"  # a conversation of its own: its row's versions start at 1
    redis_key = (
        f"{redis_prefix}conv:v2:{chat}"  # "<version>|S<state>", "<version>|N" (cleared), "<version>|F"
    )
    legacy_key = f"{redis_prefix}conv:{chat}"  # what releases before versions kept: dropped by every write
    await redis_client.set(legacy_key, b'{"v": "old release"}')
    async with factory() as uow:
        assert isinstance(uow.conversations, RedisConversationStore)
        await uow.conversations.save(chat, {"v": 1}, NOW)
        assert await redis_client.get(redis_key) is None  # not before the commit
        await uow.commit()
    assert await redis_client.get(redis_key) == b'1|S{"v": 1}'
    assert await redis_client.get(legacy_key) is None

    # A read is served by Redis: a marker only Redis has comes back.
    await redis_client.set(redis_key, b'1|S{"v": "from-redis"}')
    async with factory() as uow:
        assert await uow.conversations.load(chat) == {"v": "from-redis"}
    # Unless a process of the release before wrote the old key (a rolling upgrade): it committed a state the
    # versioned key does not know of, so the read goes to the database.
    await redis_client.set(legacy_key, b'{"v": "old release"}')
    async with factory() as uow:
        assert await uow.conversations.load(chat) == {"v": 1}
    await redis_client.delete(legacy_key)

    # A commit that fails leaves the key fenced (reads fall back to SQL), never with the new state.
    async with factory() as uow:
        await uow.conversations.save(chat, {"v": 2}, NOW)

        def refuse(_session: object) -> None:
            raise RuntimeError("commit refused by the test")

        event.listen(uow.session.sync_session, "before_commit", refuse)
        with pytest.raises(RuntimeError, match="refused"):
            await uow.commit()
    assert await redis_client.get(redis_key) == b"2|F"
    async with factory() as uow:
        assert await uow.conversations.load(chat) == {"v": 1}
        # a clear reaches Redis after the commit as well (a tombstone with its version)
        await uow.conversations.clear(chat)
        await uow.commit()
    assert await redis_client.get(redis_key) == b"2|N"
    async with factory() as uow:
        assert await uow.conversations.load(chat) is None
        await uow.conversations.save(chat, {"v": 3}, NOW)
        await uow.commit()
    assert await redis_client.get(redis_key) == b'3|S{"v": 3}'


async def test_outbox_add_many_queues_messages_in_order(port_uows: UnitOfWorkFactory) -> None:
    async with port_uows() as uow:
        await uow.outbox.add_many([], NOW, "tg:client:7")  # nothing to queue is not an error
        await uow.outbox.add_many(
            [
                ("telegram", "client", "42", {"text": "answer", "buttons": [["a"]]}),
                ("telegram", "client", "42", {"text": "helped?"}),
                ("telegram", "client", "43", {"text": "other chat"}),
            ],
            NOW,
            "tg:client:7",
        )
        await uow.commit()
    assert await _queued(port_uows, "42") == [{"text": "answer", "buttons": [["a"]]}, {"text": "helped?"}]
    assert await _queued(port_uows, "43") == [{"text": "other chat"}]


async def test_outbox_add_many_queues_rows_in_order(uow_factory: UnitOfWorkFactory) -> None:
    # SQL only: the rows' ids, delivery status and cause are the relay's (storage.outbox_delivery).
    async with uow_factory() as uow:
        await uow.outbox.add_many([], NOW, "tg:client:7")  # nothing to queue is not an error
        await uow.outbox.add_many(
            [
                ("telegram", "client", "42", {"text": "answer", "buttons": [["a"]]}),
                ("telegram", "client", "42", {"text": "helped?"}),
                ("telegram", "client", "43", {"text": "other chat"}),
            ],
            NOW,
            "tg:client:7",
        )
        await uow.commit()
    async with uow_factory() as uow:
        rows = await list_for_chat(uow.session, "telegram", "client", "42", 0)
        keys = (await uow.session.execute(select(outbox.c.inbound_key).distinct())).scalars().all()
    assert [r.payload["text"] for r in rows] == ["answer", "helped?"]
    assert rows[0].id < rows[1].id and rows[0].payload["buttons"] == [["a"]]
    assert {r.status for r in rows} == {OutboxStatus.PENDING}
    assert keys == ["tg:client:7"]


async def test_outbox_add_many_rolls_back_with_the_unit(port_uows: UnitOfWorkFactory) -> None:
    async with port_uows() as uow:
        await uow.outbox.add_many([("telegram", "client", "42", {"text": "lost"})], NOW)
    assert await _queued(port_uows, "42") == []


async def test_queued_reply_marks_the_inbound_message_answered(port_uows: UnitOfWorkFactory) -> None:
    uow_factory = port_uows
    async with uow_factory() as uow:
        for key in ("tg:client:1", "tg:client:2", "tg:client:3", "tg:client:4"):
            assert await uow.inbound.first_time(key, NOW)
        await uow.outbox.add("telegram", "client", "1", {"text": "a"}, NOW, "tg:client:1")
        await uow.outbox.add_many([("telegram", "client", "2", {"text": "b"})] * 2, NOW, "tg:client:2")
        await uow.outbox.add_many([], NOW, "tg:client:3")  # nothing queued: not an answer
        await uow.outbox.add("telegram", "staff", "9", {"text": "system"}, NOW)  # no cause
        await uow.commit()
    assert await _answered(uow_factory) == {
        "tg:client:1": True,
        "tg:client:2": True,
        "tg:client:3": False,
        "tg:client:4": False,
    }
    # answered later, in another transaction (a ticket confirmation after the message was logged)
    async with uow_factory() as uow:
        await uow.outbox.add("telegram", "client", "4", {"text": "late"}, NOW, "tg:client:4")
        await uow.outbox.add("telegram", "client", "1", {"text": "again"}, NOW, "tg:client:1")
        await uow.commit()
    flags = await _answered(uow_factory)
    assert flags["tg:client:4"] is True and flags["tg:client:1"] is True and flags["tg:client:3"] is False


async def test_reply_rolled_back_leaves_the_message_unanswered(port_uows: UnitOfWorkFactory) -> None:
    uow_factory = port_uows
    async with uow_factory() as uow:
        assert await uow.inbound.first_time("tg:client:5", NOW)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.outbox.add("telegram", "client", "5", {"text": "lost"}, NOW, "tg:client:5")
    assert await _answered(uow_factory) == {"tg:client:5": False}


async def test_on_postgresql_a_turns_log_and_replies_are_one_statement_each(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Every client message takes these: the log marks the inbox row done, the replies mark it answered."""
    # SQL only: statements sent (PostgreSQL's data-modifying WITH).
    async with uow_factory() as uow:
        bind = uow.session.get_bind()
        if bind.dialect.name != "postgresql":
            pytest.skip("SQLite has no data-modifying WITH; it runs two statements each")
        row_id = await inbox_rows.record(
            uow.session, dedup_key="tg:client:8", chat="telegram:client:8", payload={}, at=NOW
        )
        sent: list[str] = []
        listener = lambda *args: sent.append(args[2])  # noqa: E731
        event.listen(bind, "before_cursor_execute", listener)
        try:
            assert await uow.inbound.first_time("tg:client:8", NOW) is True
            await uow.outbox.add_many(
                [("telegram", "client", "8", {"text": "a"}), ("telegram", "client", "8", {"text": "b"})],
                NOW,
                "tg:client:8",
            )
        finally:
            event.remove(bind, "before_cursor_execute", listener)
        await uow.commit()
    assert len(sent) == 2
    assert await _answered(uow_factory) == {"tg:client:8": True}
    async with uow_factory() as uow:
        row = await inbox_admin.get(uow.session, row_id or 0)
        assert row is not None and row.status is inbox_rows.InboxStatus.DONE
        texts = [m.payload["text"] for m in await list_for_chat(uow.session, "telegram", "client", "8")]
    assert texts == ["a", "b"]


async def test_a_turns_statements_are_compiled_once(uow_factory: UnitOfWorkFactory) -> None:
    """Every client message runs these; SQLAlchemy compiles a statement once per shape only when it has a cache
    key. The replies' statement was a multi-row VALUES, which has none, and was compiled for every message."""
    # SQL only: SQLAlchemy's statement cache.
    from sqlalchemy.engine import default

    async def turn(n: int, replies: int) -> None:
        async with uow_factory() as uow:
            key = f"tg:client:cache-{n}"
            await uow.inbound.first_time(key, NOW)
            await uow.outbox.add_many(
                [("telegram", "client", "9", {"text": str(i)}) for i in range(replies)], NOW, key
            )
            await uow.conversations.save("cache-chat", {"n": n}, NOW)
            await uow.conversations.load("cache-chat")
            await uow.commit()

    for replies in (1, 3):
        await turn(replies, replies)  # the first of each shape compiles
    async with uow_factory() as uow:
        bind = uow.session.get_bind()
    hits: list[tuple[object, str]] = []
    listener = lambda _c, _cur, stmt, _p, ctx, _m: hits.append((ctx.cache_hit, stmt))  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        for replies in (1, 3):
            await turn(10 + replies, replies)
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    compiled = [
        stmt
        for hit, stmt in hits
        if hit is not default.CACHE_HIT and not stmt.startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
    ]
    assert hits and not compiled, compiled


@pytest.mark.parametrize("then", ["saves", "clears"])
async def test_a_mirror_write_that_comes_late_never_hides_a_newer_state(
    engine: AsyncEngine, redis_client: Redis, redis_prefix: str, then: str
) -> None:
    """Turn A commits, and its process is slow to mirror the state (a busy event loop); meanwhile turn B of the
    same chat, in another process, reads the committed state, changes it and commits. A's mirror write
    arriving after B's must not bring back A's state: the next turn would read it from Redis and B's change
    would be lost."""
    if engine.dialect.name != "postgresql":
        pytest.skip("several processes' turns of one chat: PostgreSQL (SQLite's one connection waits for A)")
    factory = UnitOfWorkFactory(make_sessionmaker(engine), redis=redis_client, redis_prefix=redis_prefix)
    async with factory() as uow:
        await uow.conversations.save("chat", {"v": 0}, NOW)
        await uow.commit()
    late, committed = asyncio.Event(), asyncio.Event()

    async def turn_a() -> None:
        async with factory() as uow:
            assert await uow.conversations.load("chat") == {"v": 0}
            await uow.conversations.save("chat", {"v": 1}, NOW)
            store = uow.conversations
            assert isinstance(store, RedisConversationStore)
            mirror = store.after_commit

            async def slow_mirror() -> None:
                committed.set()
                await late.wait()
                await mirror()

            store.after_commit = slow_mirror  # type: ignore[method-assign]
            await uow.commit()

    a = asyncio.create_task(turn_a())
    await asyncio.wait_for(committed.wait(), timeout=5)
    async with factory() as uow:  # turn B
        assert await uow.conversations.load("chat") == {"v": 1}
        if then == "saves":
            await uow.conversations.save("chat", {"v": 2}, NOW)
        else:
            await uow.conversations.clear("chat")
        await uow.commit()
    late.set()
    await a
    async with factory() as uow:  # the turn after B, in any process
        assert await uow.conversations.load("chat") == ({"v": 2} if then == "saves" else None)


async def test_fence_only_reads_the_database_and_keeps_a_mirror_reader_from_a_stale_state(
    engine: AsyncEngine, redis_client: Redis, redis_prefix: str
) -> None:
    """`CONVERSATION_MIRROR=false`: turns read the database and write nothing to Redis after the commit, but still
    fence what they change, so a process that reads the mirror (an older release mid-upgrade, or one with the
    setting on) never takes the state it mirrored earlier for the one committed since."""
    sessions = make_sessionmaker(engine)
    mirroring = UnitOfWorkFactory(sessions, redis=redis_client, redis_prefix=redis_prefix)
    fencing = UnitOfWorkFactory(sessions, redis=redis_client, redis_prefix=redis_prefix, mirror_reads=False)
    async with mirroring() as uow:
        await uow.conversations.save("chat", {"v": 1}, NOW)
        await uow.commit()
    key = f"{redis_prefix}conv:v2:chat"
    assert (await redis_client.get(key) or b"").endswith(b'|S{"v": 1}')
    async with fencing() as uow:
        await redis_client.set(key, b'1|S{"v": "other"}')  # what a reader of the mirror would take
        assert await uow.conversations.load("chat") == {"v": 1}  # the database, not Redis
        await uow.conversations.save("chat", {"v": 2}, NOW)
        await uow.commit()
    assert (await redis_client.get(key) or b"").endswith(b"|F")  # fenced with the new version, not mirrored
    async with mirroring() as uow:
        assert await uow.conversations.load("chat") == {"v": 2}
