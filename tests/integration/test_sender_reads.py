"""The prefetch's short read in one statement (`storage.sender_reads`, PostgreSQL): the same answers as the
unit of work's two reads, from what is committed, in one round trip and no transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_sessionmaker
from storage.sender_reads import SqlSenderReads
from storage.uow import UnitOfWorkFactory
from ticket_core.enums import PersonKind
from ticket_core.model import ChannelAccount, Client, Contact

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def _seed(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        await uow.directory.add_client(Client("acme", "Acme", created_at=NOW))
        await uow.directory.add_contact(Contact("c-anna", "acme", "Anna", created_at=NOW))
        await uow.accounts.link(
            ChannelAccount("telegram", "client", "501", PersonKind.CONTACT, "c-anna", "501")
        )
        # An account whose person is not a contact (a staff member who also wrote to the client bot).
        await uow.accounts.link(
            ChannelAccount("telegram", "client", "502", PersonKind.STAFF, "s-ivan", "502")
        )
        await uow.conversations.save("telegram:client:501:501", {"stage": "kb", "lang": "en"}, NOW)
        await uow.conversations.save("telegram:client:503:503", {"stage": "describe"}, NOW)
        await uow.commit()


async def _as_a_unit_reads(uows: UnitOfWorkFactory, account: str, key: str) -> tuple[Any, Any]:
    async with uows() as uow:
        _, contact = await uow.accounts.find_with_contact("telegram", "client", account)
        return (contact.client_id if contact else None), await uow.conversations.load(key)


@pytest.mark.parametrize(
    ("account", "key", "expected"),
    [
        ("501", "telegram:client:501:501", ("acme", {"stage": "kb", "lang": "en"})),
        ("502", "telegram:client:502:502", (None, None)),  # linked, but to no contact
        ("503", "telegram:client:503:503", (None, {"stage": "describe"})),  # a form open, no account yet
        ("504", "telegram:client:504:504", (None, None)),  # never seen
    ],
)
async def test_one_statement_answers_what_the_units_two_reads_do(
    pg_engine: AsyncEngine, account: str, key: str, expected: tuple[Any, Any]
) -> None:
    uows = UnitOfWorkFactory(make_sessionmaker(pg_engine))
    await _seed(uows)
    reads = SqlSenderReads(pg_engine)
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(args[2])

    event.listen(pg_engine.sync_engine, "before_cursor_execute", count)
    try:
        got = await reads.client_and_state("telegram", "client", account, key)
    finally:
        event.remove(pg_engine.sync_engine, "before_cursor_execute", count)
    assert got == expected == await _as_a_unit_reads(uows, account, key)
    assert len(sent) == 1 and sent[0].lstrip().upper().startswith("SELECT")


async def test_it_reads_only_what_is_committed(pg_engine: AsyncEngine) -> None:
    uows = UnitOfWorkFactory(make_sessionmaker(pg_engine))
    await _seed(uows)
    reads = SqlSenderReads(pg_engine)
    async with uows() as uow:  # a turn that has saved a new stage and not committed yet
        await uow.conversations.save("telegram:client:501:501", {"stage": "describe"}, NOW)
        got = await reads.client_and_state("telegram", "client", "501", "telegram:client:501:501")
        assert got == ("acme", {"stage": "kb", "lang": "en"})
        await uow.commit()
    got = await reads.client_and_state("telegram", "client", "501", "telegram:client:501:501")
    assert got == ("acme", {"stage": "describe"})
