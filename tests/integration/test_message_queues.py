"""Dead letters and undelivered messages on SQLite and PostgreSQL: the outbox's list/retry functions, the
names behind chat accounts, and `helpdesk.queues` (replay, retry, bad ids change nothing, audit entries)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from helpdesk import queues
from storage import inbox as box
from storage import inbox_admin
from storage import outbox_delivery as out
from storage.admin_tables import admin_audit
from storage.chat_people import ChatPerson, people_of_accounts
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW, Seed
from ticket_core.enums import PersonKind, Role
from ticket_core.errors import Forbidden
from ticket_core.model import Actor, ChannelAccount

ADMIN = Actor(Role.ADMIN, "a-boss", name="Boss")


@pytest.fixture
async def uows(acme: UnitOfWorkFactory, seed: Seed) -> UnitOfWorkFactory:
    """`acme` (client, contact c-anna, site) plus an engineer, each with a Telegram account."""
    async with acme() as uow:
        await uow.directory.add_staff(seed.engineer("e-kim"))
        await uow.accounts.link(
            ChannelAccount("telegram", "client", "555", PersonKind.CONTACT, "c-anna", "555")
        )
        await uow.accounts.link(ChannelAccount("telegram", "staff", "777", PersonKind.STAFF, "e-kim", "777"))
        await uow.commit()
    return acme


async def _dead_letter(uows: UnitOfWorkFactory, n: int, *, sender: str = "555", text: str = "hello") -> int:
    payload = {
        "channel": "telegram",
        "bot": "client",
        "chat_id": sender,
        "sender_id": sender,
        "dedup_key": f"tg:client:test-{n}",
        "text": text,
        "sender_name": "Anna from Telegram",
    }
    async with uows() as uow:
        row_id = await box.record(
            uow.session,
            dedup_key=payload["dedup_key"],
            chat=f"telegram:client:{sender}",
            payload=payload,
            at=NOW,
        )
        assert row_id is not None
        await box.mark_dead(uow.session, row_id, at=NOW, error="RuntimeError: the engine broke")
        await uow.commit()
    return row_id


async def _outgoing(uows: UnitOfWorkFactory, chat: str, text: str, *, failed: bool) -> int:
    async with uows() as uow:
        await uow.outbox.add("telegram", "client", chat, {"text": text, "buttons": [], "media": []}, NOW)
        row_id = max(r.id for r in await out.list_for_chat(uow.session, "telegram", "client", chat, 0))
        if failed:
            await out.mark_failed(uow.session, row_id, at=NOW, error="telegram 500 eight times")
        await uow.commit()
    return row_id


async def _inbox_row(uows: UnitOfWorkFactory, row_id: int) -> box.InboxRow:
    async with uows() as uow:
        row = await inbox_admin.get(uow.session, row_id)
    assert row is not None
    return row


async def _outbox_rows(uows: UnitOfWorkFactory, *ids: int) -> dict[int, out.OutboxRow]:
    async with uows() as uow:
        return {r.id: r for r in await out.get_rows(uow.session, ids)}


async def _audits(uows: UnitOfWorkFactory, action: str) -> list[dict[str, Any]]:
    async with uows() as uow:
        rows = await uow.session.execute(select(admin_audit).where(admin_audit.c.action == action))
        return [dict(r) for r in rows.mappings()]


async def test_outbox_lists_by_status_and_retry_touches_only_failed_rows(uows: UnitOfWorkFactory) -> None:
    failed_a = await _outgoing(uows, "555", "your ticket HD-1 is accepted", failed=True)
    waiting = await _outgoing(uows, "556", "still waiting", failed=False)
    failed_b = await _outgoing(uows, "557", "engineer is on the way", failed=True)
    async with uows() as uow:
        failed = await out.list_by_status(uow.session, out.OutboxStatus.FAILED)
        both = await out.list_by_status(uow.session, [out.OutboxStatus.FAILED, out.OutboxStatus.PENDING])
        paged = await out.list_by_status(uow.session, out.OutboxStatus.FAILED, limit=1, before_id=failed_b)
    assert [r.id for r in failed if r.id in (failed_a, waiting, failed_b)] == [
        failed_b,
        failed_a,
    ]  # newest first
    assert {failed_a, waiting, failed_b} <= {r.id for r in both}
    assert [r.id for r in paged] == [failed_a]

    later = NOW + timedelta(hours=1)
    async with uows() as uow:
        assert await out.retry(uow.session, [failed_a, waiting, 10**9], at=later) == [failed_a]
        await uow.commit()
    rows = await _outbox_rows(uows, failed_a, waiting, failed_b)
    assert rows[failed_a].status is out.OutboxStatus.PENDING
    assert (rows[failed_a].attempts, rows[failed_a].next_attempt_at) == (0, later)
    assert rows[failed_a].last_error == "telegram 500 eight times"  # kept until the next attempt
    assert rows[waiting].next_attempt_at == NOW  # a waiting row is not touched
    assert rows[failed_b].status is out.OutboxStatus.FAILED

    async with uows() as uow:
        assert failed_b in await out.retry_all_failed(uow.session, at=later)
        assert await out.list_by_status(uow.session, out.OutboxStatus.FAILED) == []
        await uow.commit()
    # A retried row is due: the delivery loop claims it like any other.
    async with uows() as uow:
        claimed = await out.claim_due(uow.session, now=later, limit=10, worker_id="w", lease_s=10)
    assert {failed_a, failed_b} <= {r.id for r in claimed}


async def test_people_of_accounts_names_contacts_and_staff_in_one_lookup(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        people = await people_of_accounts(
            uow.session,
            [
                ("telegram", "client", "555"),
                ("telegram", "staff", "777"),
                ("telegram", "staff", "555"),  # the same account id on another bot: nobody
                ("whatsapp", "client", "79990000000"),
            ],
        )
    assert people == {
        ("telegram", "client", "555"): ChatPerson(PersonKind.CONTACT, "c-anna", "Anna", "ACME"),
        ("telegram", "staff", "777"): ChatPerson(PersonKind.STAFF, "e-kim", "E-Kim", "engineer"),
    }
    async with uows() as uow:
        assert await people_of_accounts(uow.session, []) == {}


async def test_lists_show_who_what_attempts_and_the_last_error(uows: UnitOfWorkFactory) -> None:
    dead = await _dead_letter(uows, 1, text="The   printer\nis on fire " + "x" * 200)
    stranger = await _dead_letter(uows, 2, sender="999", text="")
    failed = await _outgoing(uows, "777", "job offer", failed=True)
    async with uows() as uow:
        letters = await queues.list_inbox(uow.session, box.InboxStatus.DEAD, limit=50, now=NOW)
        undelivered = await queues.list_outbox(uow.session, [out.OutboxStatus.FAILED], limit=50, now=NOW)
    by_id = {m.id: m for m in letters.messages}
    assert letters.total >= 2
    anna = by_id[dead]
    assert (anna.chat, anna.person, anna.who) == ("telegram:client:555", "Anna (ACME)", "Anna (ACME)")
    assert anna.what.startswith("The printer is on fire xxx") and anna.what.endswith("…")
    assert len(anna.what) <= queues.TEXT_LIMIT
    assert anna.last_error == "RuntimeError: the engine broke" and anna.attempts == 0
    unknown = by_id[stranger]
    assert (unknown.person, unknown.who, unknown.what) == (None, "Anna from Telegram", "[no text]")
    assert unknown.to_dict()["at"] == NOW.isoformat()
    # An outgoing message on the staff bot to an engineer's chat; the account is the chat.
    row = next(m for m in undelivered.messages if m.id == failed)
    assert row.chat == "telegram:client:777" and row.person is None  # 777 is a staff-bot account only
    assert row.what == "job offer" and row.last_error == "telegram 500 eight times"


async def test_replay_queues_dead_letters_again_with_an_audit_entry(uows: UnitOfWorkFactory) -> None:
    first, second, third = [await _dead_letter(uows, n) for n in (1, 2, 3)]
    later = NOW + timedelta(minutes=5)
    async with uows() as uow:
        assert await queues.replay_dead_letters(uow, ADMIN, [first], later) == [first]
        await uow.commit()
    row = await _inbox_row(uows, first)
    assert (row.status, row.attempts, row.next_attempt_at, row.done_at) == (
        box.InboxStatus.PENDING,
        0,
        later,
        None,
    )
    [entry] = await _audits(uows, "inbox.replay")
    assert (entry["staff_id"], entry["target"], entry["detail"]) == (
        "a-boss",
        f"inbox:{first}",
        {"count": 1, "ids": [first]},
    )

    async with uows() as uow:
        done = await queues.replay_dead_letters(uow, Actor.system(), None, later)
        await uow.commit()
    assert {second, third} <= set(done) and first not in done
    assert (await _inbox_row(uows, third)).status is box.InboxStatus.PENDING
    assert [e["target"] for e in await _audits(uows, "inbox.replay")][-1] == "inbox:all-dead"


async def test_bad_ids_change_nothing(uows: UnitOfWorkFactory) -> None:
    dead = await _dead_letter(uows, 1)
    pending = await _dead_letter(uows, 2)
    async with uows() as uow:
        await queues.replay_dead_letters(uow, ADMIN, [pending], NOW)
        await uow.commit()
    for ids, message in (
        ([dead, 10**9], f"inbox message {10**9} does not exist; nothing was replayed"),
        ([dead, pending], f"inbox message {pending} is not a dead letter"),
    ):
        async with uows() as uow:
            with pytest.raises(queues.BadIds, match=message):
                await queues.replay_dead_letters(uow, ADMIN, ids, NOW)
    assert (await _inbox_row(uows, dead)).status is box.InboxStatus.DEAD

    failed = await _outgoing(uows, "555", "a", failed=True)
    waiting = await _outgoing(uows, "556", "b", failed=False)
    async with uows() as uow:
        with pytest.raises(queues.BadIds, match=f"outgoing message {waiting} has not failed"):
            await queues.retry_undelivered(uow, ADMIN, [failed, waiting], NOW)
        with pytest.raises(queues.BadIds, match=f"outgoing messages {10**9}, {10**9 - 1} do not exist"):
            await queues.retry_undelivered(uow, ADMIN, [10**9, 10**9 - 1], NOW)
    assert (await _outbox_rows(uows, failed))[failed].status is out.OutboxStatus.FAILED
    assert await _audits(uows, "outbox.retry") == []
    # Engineers may not, whatever reaches the use case.
    async with uows() as uow:
        with pytest.raises(Forbidden):
            await queues.retry_undelivered(uow, Actor(Role.ENGINEER, "e-kim"), [failed], NOW)


async def test_retry_undelivered_with_an_audit_entry(uows: UnitOfWorkFactory) -> None:
    failed = await _outgoing(uows, "555", "your ticket is accepted", failed=True)
    async with uows() as uow:
        assert await queues.retry_undelivered(uow, ADMIN, [failed], NOW) == [failed]
        await uow.commit()
    assert (await _outbox_rows(uows, failed))[failed].status is out.OutboxStatus.PENDING
    [entry] = await _audits(uows, "outbox.retry")
    assert entry["target"] == f"outbox:{failed}" and entry["detail"] == {"count": 1, "ids": [failed]}
    async with uows() as uow:
        assert await queues.retry_undelivered(uow, ADMIN, None, NOW) == []  # nothing failed: no audit entry
        await uow.commit()
    assert len(await _audits(uows, "outbox.retry")) == 1


def test_parse_ids_takes_numbers_and_refuses_the_rest() -> None:
    assert queues.parse_ids(["12", "#13", "14,15", "12"], "an inbox") == [12, 13, 14, 15]
    for bad in ("abc", "0", "-3", "²", "99999999999", "1.5"):
        with pytest.raises(queues.BadIds, match="is not an inbox id"):
            queues.parse_ids([bad], "an inbox")
    with pytest.raises(queues.BadIds, match="give at least one"):
        queues.parse_ids([" , "], "an inbox")
    with pytest.raises(queues.BadIds, match="too many"):
        queues.parse_ids([str(n) for n in range(1, queues.MAX_IDS + 2)], "an inbox")
