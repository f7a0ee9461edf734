"""The durable inbox on SQLite and PostgreSQL: recorded once, handled in order per chat, retried, parked,
replayed, and taken over from a process that died."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.exc import OperationalError

from dialogue.messages import Bot, Channel, Inbound, InboundNotRecorded, Outbound
from helpdesk.inbox import Inbox, InboxPolicy
from helpdesk.logging_setup import TurnFields
from storage import inbox as box
from storage import inbox_admin
from storage.db import make_engine
from storage.inbox_tables import inbox as inbox_table
from storage.transient import is_transient
from storage.uow import UnitOfWorkFactory
from ticket_core.log_context import log_fields

FAST = InboxPolicy(lease_s=1.0, heartbeat_s=0.2, poll_s=0.05, bug_attempts=3, backoff_max_s=0.05)


def box_now() -> datetime:
    return datetime.now(UTC)


def message(n: int, chat: str = "42", text: str | None = None) -> Inbound:
    return Inbound(Channel.TELEGRAM, Bot.CLIENT, chat, chat, f"tg:client:{n}", text=text or f"m{n}")


class Engine:
    """Stands in for the dialogue engine: records what it handles, fails on demand."""

    def __init__(self) -> None:
        self.handled: list[str] = []
        self.told: list[str] = []
        self.told_to: list[str] = []  # the chats told
        self.tell_fails: list[BaseException] = []
        self.fail: dict[str, list[BaseException]] = {}
        self.gate: asyncio.Event | None = None

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        text = inbound.text or ""
        if self.gate is not None and text == "slow":
            await self.gate.wait()
        failures = self.fail.get(text)
        if failures:
            raise failures.pop(0)
        self.handled.append(text)
        return []  # as a turn that queued nothing: the inbox marks the row done itself

    async def turn(self, inbound: Inbound, then: object = None) -> tuple[list[Outbound], None]:
        # No transaction of its own, so `then` never runs: the inbox marks the row and claims what follows.
        return await self.handle(inbound), None

    async def tell_not_handled(self, inbound: Inbound) -> list[Outbound]:
        self.told_to.append(inbound.chat_id)
        if self.tell_fails:
            raise self.tell_fails.pop(0)
        self.told.append(inbound.text or "")
        return []


async def until(condition: Any) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110  (polls state that other tasks change)
            await asyncio.sleep(0.02)


@pytest.fixture
async def running(live_uow_factory: UnitOfWorkFactory) -> Any:
    engine = Engine()
    inbox = Inbox(live_uow_factory.sessionmaker.kw["bind"], engine, policy=FAST)  # type: ignore[arg-type]
    stop = asyncio.Event()
    loop = asyncio.create_task(inbox.run(stop))
    yield inbox, engine
    stop.set()
    await inbox.stop(grace_s=1)
    await loop


async def test_recorded_once_and_handled_in_order(running: Any) -> None:
    inbox, engine = running
    for n in (1, 2, 3):
        await inbox.accept(message(n))
    await inbox.accept(message(2))  # Telegram sends it again
    await until(lambda: len(engine.handled) == 3)
    assert engine.handled == ["m1", "m2", "m3"]


async def test_an_infrastructure_failure_is_retried_and_holds_the_chat_back(running: Any) -> None:
    inbox, engine = running
    engine.fail["m1"] = [
        OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))
    ] * 3
    await inbox.accept(message(1))
    await inbox.accept(message(2))
    await inbox.accept(message(3, chat="other"))
    await until(lambda: len(engine.handled) == 3)
    assert engine.handled.index("m1") < engine.handled.index("m2")  # the chat waited for its first message
    assert engine.told == []


async def test_a_busy_chats_next_messages_are_claimed_when_recorded_and_handled_in_order(
    running: Any, live_uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, engine = running
    engine.gate = asyncio.Event()
    claims = 0
    claim = inbox._claim

    async def counted(**kwargs: Any) -> list[box.InboxRow]:
        nonlocal claims
        claims += kwargs.get("chat") is not None  # the loop's own ticks claim with no chat
        return await claim(**kwargs)

    monkeypatch.setattr(inbox, "_claim", counted)
    await inbox.accept(message(1, text="slow"))
    await inbox.accept(message(2))
    await inbox.accept(message(3))
    async with live_uow_factory.sessionmaker() as session:
        waiting = await inbox_admin.list_rows(session, box.InboxStatus.PENDING)
    # Recorded while the chat's first turn runs here: already claimed by this process, tried once.
    assert sorted((r.dedup_key, r.claimed_by, r.attempts) for r in waiting) == [
        (f"tg:client:{n}", inbox.worker_id, 1) for n in (1, 2, 3)
    ]
    engine.gate.set()
    await until(lambda: engine.handled == ["slow", "m2", "m3"])
    assert claims == 0  # handed over in memory, no claim of the chat's own


async def test_a_busy_chats_waiting_webhooks_cost_no_claims_of_their_own(
    running: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As webhooks do: each accept waits for its message's first attempt. Rows handed over in memory need no
    claim after the turn before them, and none after the last (a claim that found nothing per message was
    what kept a backed-up process backed up)."""
    inbox, engine = running
    engine.gate = asyncio.Event()
    claims: list[str] = []
    claim, claim_next = inbox._claim, box.mark_done_and_claim_next

    async def counted(**kwargs: Any) -> list[box.InboxRow]:
        if kwargs.get("chat") is not None:  # the loop's own ticks claim with no chat
            claims.append("claim")
        return await claim(**kwargs)

    async def counted_next(*args: Any, **kwargs: Any) -> box.InboxRow | None:
        if args[1] is None:  # a claim alone; with a row to mark it is that row's outcome (PostgreSQL's end)
            claims.append("mark_done_and_claim_next")
        return await claim_next(*args, **kwargs)

    monkeypatch.setattr(inbox, "_claim", counted)
    monkeypatch.setattr(box, "mark_done_and_claim_next", counted_next)
    first = asyncio.create_task(inbox.accept(message(1, text="slow"), wait_s=5))
    await until(lambda: inbox.leases.in_flight)  # recorded and being handled: the chat is busy
    rest = []
    for n in (2, 3, 4):  # one after the other: the order of recording is the order of handling
        rest.append(asyncio.create_task(inbox.accept(message(n), wait_s=5)))
        await until(lambda n=n: sum(len(q) for q in inbox._queued.values()) == n - 1)
    engine.gate.set()
    async with asyncio.timeout(5):
        await asyncio.gather(first, *rest)
    await until(lambda: not inbox._chats)
    assert engine.handled == ["slow", "m2", "m3", "m4"]
    assert claims == []


async def test_a_failure_gives_back_the_messages_queued_behind_it(
    running: Any, live_uow_factory: UnitOfWorkFactory
) -> None:
    inbox, engine = running
    engine.gate = asyncio.Event()
    engine.fail["slow"] = [OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))]
    await inbox.accept(message(1, text="slow"))
    await inbox.accept(message(2))  # queued behind the first, which then fails
    engine.gate.set()
    await until(lambda: len(engine.handled) == 2)
    assert engine.handled == ["slow", "m2"]  # the second waited for the first's retry
    await asyncio.sleep(0.2)
    async with live_uow_factory.sessionmaker() as session:
        done = await inbox_admin.list_rows(session, box.InboxStatus.DONE)
    assert sorted((r.dedup_key, r.attempts) for r in done) == [("tg:client:1", 2), ("tg:client:2", 1)]


async def test_a_bug_parks_a_dead_letter_tells_the_sender_once_and_replay_handles_it(
    running: Any, live_uow_factory: UnitOfWorkFactory
) -> None:
    inbox, engine = running
    engine.fail["m1"] = [RuntimeError("a bug")] * 3
    await inbox.accept(message(1))
    await inbox.accept(message(2))
    await until(lambda: engine.handled == ["m2"] and engine.told == ["m1"])
    await asyncio.sleep(0.3)  # a second notice would come from the loop's next ticks
    assert engine.told == ["m1"]
    async with live_uow_factory.sessionmaker() as session:
        [dead] = await inbox_admin.list_rows(session, box.InboxStatus.DEAD)
    assert (dead.dedup_key, dead.attempts, dead.notified) == ("tg:client:1", 3, True)
    assert "a bug" in (dead.last_error or "")

    async with live_uow_factory.sessionmaker() as session, session.begin():
        assert await inbox_admin.replay(session, [dead.id], at=dead.received_at) == 1
    inbox.wake()
    await until(lambda: engine.handled == ["m2", "m1"])
    assert engine.told == ["m1"]  # told once, not again


async def test_a_hanging_turn_is_cut_off_and_tried_again(live_uow_factory: UnitOfWorkFactory) -> None:
    engine = Engine()
    engine.gate = asyncio.Event()  # "slow" waits for it: the first attempt hangs
    policy = InboxPolicy(lease_s=1.0, heartbeat_s=0.2, poll_s=0.05, backoff_max_s=0.05, handle_timeout_s=0.3)
    inbox = Inbox(live_uow_factory.sessionmaker.kw["bind"], engine, policy=policy)  # type: ignore[arg-type]
    stop = asyncio.Event()
    loop = asyncio.create_task(inbox.run(stop))
    try:
        await inbox.accept(message(1, text="slow"))
        await asyncio.sleep(0.5)  # the first attempt was cut off after 0.3 s
        engine.gate.set()
        await until(lambda: engine.handled == ["slow"])
    finally:
        stop.set()
        await inbox.stop(grace_s=1)
        await loop


async def test_waiting_accept_returns_after_the_first_attempt(running: Any) -> None:
    inbox, engine = running
    await inbox.accept(message(1), wait_s=5)
    assert engine.handled == ["m1"]


async def test_a_webhook_whose_chat_is_another_processes_turn_answers_once_recorded(
    live_uow_factory: UnitOfWorkFactory,
) -> None:
    # Two processes on one database; the first is handling the chat's older message (held at a gate).
    db = live_uow_factory.sessionmaker.kw["bind"]
    first_engine, second_engine = Engine(), Engine()
    first_engine.gate = asyncio.Event()
    first = Inbox(db, first_engine, policy=FAST)  # type: ignore[arg-type]
    second = Inbox(db, second_engine, policy=FAST)  # type: ignore[arg-type]
    older = asyncio.create_task(first.accept(message(1, text="slow"), wait_s=5))
    await asyncio.sleep(0.3)

    started = asyncio.get_running_loop().time()
    await second.accept(message(2), wait_s=5)  # nothing here would say when the first is done with it
    assert asyncio.get_running_loop().time() - started < 2

    first_engine.gate.set()
    await older
    stop = asyncio.Event()
    loops = [asyncio.create_task(first.run(stop)), asyncio.create_task(second.run(stop))]
    await until(lambda: first_engine.handled + second_engine.handled == ["slow", "m2"])
    stop.set()
    await asyncio.gather(first.stop(grace_s=1), second.stop(grace_s=1), *loops)


async def test_a_row_that_cannot_be_read_back_still_tells_its_sender_once(
    running: Any, live_uow_factory: UnitOfWorkFactory
) -> None:
    """A payload the engine cannot rebuild (here a photo without its file id; in life a row written by
    another version) dies as a bug. Its notice failed the same way, and the loop asked again every tick, with
    a traceback each time, and the sender was never told."""
    inbox, engine = running
    payload = {**message(7, chat="616161").to_dict(), "media": [{"kind": "photo"}]}
    now = box_now()
    async with live_uow_factory.sessionmaker() as session, session.begin():
        await session.execute(
            inbox_table.insert().values(
                dedup_key="tg:client:7",
                chat_key="telegram:client:616161",
                payload=payload,
                status="pending",
                attempts=0,
                received_at=now,
                next_attempt_at=now,
            )
        )
    inbox.wake()
    await until(lambda: engine.told_to == ["616161"])
    for _ in range(3):  # what the loop does every 10 s for notices not given yet
        await inbox.outcomes.notify_pending_dead()
    assert engine.told_to == ["616161"]
    async with live_uow_factory.sessionmaker() as session:
        [dead] = await inbox_admin.list_rows(session, box.InboxStatus.DEAD)
    assert (dead.dedup_key, dead.notified) == ("tg:client:7", True)


async def test_a_notice_that_fails_on_a_bug_is_not_asked_again_every_tick(
    running: Any, live_uow_factory: UnitOfWorkFactory
) -> None:
    inbox, engine = running
    engine.fail["m1"] = [RuntimeError("a bug")] * 3
    engine.tell_fails = [RuntimeError("the notice's own bug")] * 50
    await inbox.accept(message(1))
    await until(lambda: engine.told_to == ["42"])
    for _ in range(3):  # what the loop does every 10 s for notices not given yet
        await inbox.outcomes.notify_pending_dead()
    assert engine.told_to == ["42"]


async def test_a_claim_of_a_dead_process_is_taken_over_after_its_lease(
    live_uow_factory: UnitOfWorkFactory,
) -> None:
    sessions = live_uow_factory.sessionmaker
    async with sessions() as session, session.begin():
        await box.record(
            session,
            dedup_key="tg:client:9",
            chat="telegram:client:42",
            payload=message(9).to_dict(),
            at=box_now(),
        )
        [claimed] = await box.claim(session, now=box_now(), worker_id="dead", lease_s=0.3)
    engine = Engine()
    inbox = Inbox(sessions.kw["bind"], engine, policy=FAST)  # type: ignore[arg-type]
    assert await inbox.run_once() == 0  # the dead process's lease still runs
    await asyncio.sleep(0.4)
    assert await inbox.run_once() == 1
    await until(lambda: engine.handled == ["m9"])
    await asyncio.sleep(0.3)  # the outcome is recorded right after the engine returns
    async with sessions() as session:
        row = await inbox_admin.get(session, claimed.id)
    assert row is not None and row.status is box.InboxStatus.DONE and row.attempts == 2
    await inbox.stop()


async def test_an_unreachable_database_is_not_recorded() -> None:
    db = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    inbox = Inbox(db, Engine())  # type: ignore[arg-type]
    try:
        with pytest.raises(InboundNotRecorded):
            await inbox.accept(message(1))
    finally:
        await db.dispose()


def test_what_counts_as_transient() -> None:
    assert is_transient(ConnectionRefusedError())
    assert is_transient(OperationalError("x", {}, Exception("gone")))
    assert not is_transient(RuntimeError("bug"))
    assert not is_transient(KeyError("k"))
    wrapped = RuntimeError("outer")
    wrapped.__cause__ = TimeoutError()
    assert is_transient(wrapped)
    assert timedelta(seconds=FAST.backoff(10)) == timedelta(seconds=0.05)


async def test_every_line_logged_during_a_turn_names_its_update_and_chat(
    running: Any, caplog: pytest.LogCaptureFixture
) -> None:
    inbox, engine = running
    seen: list[dict[str, object]] = []
    handle = engine.handle

    async def logging_handle(inbound: Inbound) -> list[Outbound]:
        logging.getLogger("dialogue.test").info("turn of %s", inbound.text)
        seen.append(log_fields())
        return await handle(inbound)

    engine.handle = logging_handle
    caplog.handler.addFilter(TurnFields())
    with caplog.at_level(logging.INFO, logger="dialogue.test"):
        await inbox.accept(message(1, chat="42"))
        await inbox.accept(message(2, chat="43"))
        await until(lambda: len(engine.handled) == 2)
    lines = {r.getMessage(): r.turn_fields for r in caplog.records if r.name == "dialogue.test"}  # type: ignore[attr-defined]
    assert lines == {
        "turn of m1": {"update": "tg:client:1", "chat": "telegram:client:42"},
        "turn of m2": {"update": "tg:client:2", "chat": "telegram:client:43"},
    }
    assert log_fields() == {}  # nothing is left behind after the turn


@pytest.mark.parametrize(
    ("older_claimed_by", "older_lease_s", "claimed"),
    [
        (None, None, False),  # an older row waiting for the loop (or a retry) holds the new one back
        ("other", 10.0, False),  # another process's turn
        ("me", -1.0, False),  # mine, but the lease ran out: another process may take it
        ("me", 10.0, True),  # mine, handled first here: the new row is claimed behind it
    ],
)
async def test_a_row_recorded_after_mine_is_claimed_only_behind_rows_this_process_holds(
    live_uow_factory: UnitOfWorkFactory,
    older_claimed_by: str | None,
    older_lease_s: float | None,
    claimed: bool,
) -> None:
    db = live_uow_factory.sessionmaker.kw["bind"]
    chat, now = "telegram:client:42", box_now()
    async with db.begin() as conn:
        older = await box.record(
            conn, dedup_key="tg:client:1", chat=chat, payload=message(1).to_dict(), at=now
        )
        if older_claimed_by is not None and older_lease_s is not None:
            await conn.execute(
                inbox_table.update()
                .where(inbox_table.c.id == older)
                .values(claimed_by=older_claimed_by, claimed_until=now + timedelta(seconds=older_lease_s))
            )
    async with db.begin() as conn:
        row_id, row = await box.record_and_claim(
            conn,
            dedup_key="tg:client:2",
            chat=chat,
            payload=message(2).to_dict(),
            at=now,
            worker_id="me",
            lease_s=10,
            after_mine=True,
        )
    assert older is not None and row_id is not None and row_id > older
    assert (row is not None) is claimed
    if row is not None:
        assert (row.id, row.claimed_by, row.attempts) == (row_id, "me", 1)


async def test_on_postgresql_a_message_is_recorded_in_one_round_trip(
    live_uow_factory: UnitOfWorkFactory,
) -> None:
    db = live_uow_factory.sessionmaker.kw["bind"]
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite records in one statement inside its transaction")
    sent: list[tuple[str, bool]] = []  # each statement, and whether the driver sent it with no BEGIN

    def count(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append((statement, conn.connection.dbapi_connection.autocommit))

    sqlalchemy_event.listen(db.sync_engine, "before_cursor_execute", count)
    inbox = Inbox(db, Engine(), policy=FAST)
    try:
        inbox._stopping = True  # record only: no turn, no loop
        await inbox.accept(message(1))
    finally:
        sqlalchemy_event.remove(db.sync_engine, "before_cursor_execute", count)
    [(statement, autocommit)] = sent
    assert "helpdesk_inbox_record" in statement and autocommit
    async with live_uow_factory.sessionmaker() as session:
        [row] = await inbox_admin.list_rows(session, box.InboxStatus.PENDING)
    assert row.dedup_key == "tg:client:1" and row.claimed_by is None  # stopping: recorded, not claimed


async def test_on_postgresql_the_loops_claim_and_a_rows_outcome_are_one_statement_each_with_no_begin(
    live_uow_factory: UnitOfWorkFactory,
) -> None:
    db = live_uow_factory.sessionmaker.kw["bind"]
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite's claim and marks keep their transactions")
    async with db.begin() as conn:
        await box.record(
            conn,
            dedup_key="tg:client:7",
            chat="telegram:client:42",
            payload=message(7).to_dict(),
            at=box_now(),
        )
    sent: list[tuple[str, bool]] = []  # each statement, and whether the driver sent it with no BEGIN

    def count(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append((statement.split()[0].upper(), conn.connection.dbapi_connection.autocommit))

    engine = Engine()
    inbox = Inbox(
        db, engine, policy=dataclasses.replace(FAST, lease_s=30.0, heartbeat_s=10.0)
    )  # no heartbeat
    sqlalchemy_event.listen(db.sync_engine, "before_cursor_execute", count)
    try:
        assert await inbox.run_once() == 1  # claims the row and hands it to a task of its chat
        await until(lambda: engine.handled == ["m7"])
        await until(lambda: len(sent) >= 2)
    finally:
        sqlalchemy_event.remove(db.sync_engine, "before_cursor_execute", count)
        await inbox.stop()
    # The claim (UPDATE ... RETURNING) and the row's outcome, each its own transaction. A turn that ran no
    # transaction of its own (this stand-in, a repeat) ends in `helpdesk_inbox_claim_next`: the mark done
    # and the claim of the chat's next row under its lock (a SELECT of the function).
    assert sent == [("UPDATE", True), ("SELECT", True)]
    async with live_uow_factory.sessionmaker() as session:
        [row] = await inbox_admin.list_rows(session, box.InboxStatus.DONE)
    assert row.dedup_key == "tg:client:7" and row.claimed_by is None


async def test_a_loop_that_is_only_the_net_takes_rows_due_long_enough_ago(
    live_uow_factory: UnitOfWorkFactory,
) -> None:
    # A worker beside web processes (`helpdesk worker`): its loop leaves a just-due row to them.
    db = live_uow_factory.sessionmaker.kw["bind"]
    now = box_now()
    for n, at in ((1, now), (2, now - timedelta(seconds=3))):
        async with db.begin() as conn:
            await box.record(
                conn,
                dedup_key=f"tg:client:{n}",
                chat=f"telegram:client:{n}",
                payload=message(n).to_dict(),
                at=at,
            )
    engine = Engine()
    inbox = Inbox(db, engine, policy=FAST)  # type: ignore[arg-type]
    try:
        assert await inbox.run_once(behind_s=2.0) == 1
        await until(lambda: engine.handled == ["m2"])
        assert await inbox.run_once(behind_s=2.0) == 0  # m1 became due only now
        assert await inbox.run_once() == 1
        await until(lambda: engine.handled == ["m2", "m1"])
    finally:
        await inbox.stop(grace_s=1)
