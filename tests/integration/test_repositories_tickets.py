"""Contract tests of SqlTicketRepository and SqlOfferRepository on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage.uow import SqlUnitOfWork, UnitOfWorkFactory
from tests.integration.conftest import NOW, Seed
from ticket_core.enums import OfferStatus, Priority, TicketStatus
from ticket_core.errors import StaleTicket
from ticket_core.log_context import log_context
from ticket_core.model import Attachment, Offer


@pytest.fixture
def uow_factory(port_uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """These are contracts of ticket_core's ports: they hold for the memory unit of work as for SQL."""
    return port_uows


async def test_next_number_starts_after_seed_and_increases(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        first = await uow.tickets.next_number()
        second = await uow.tickets.next_number()
        await uow.commit()
    assert (first, second) == (1001, 1002)
    async with uow_factory() as uow:
        assert await uow.tickets.next_number() == 1003


async def test_add_get_round_trips_every_field(acme: UnitOfWorkFactory, seed: Seed) -> None:
    moscow = timezone(timedelta(hours=3))
    ticket = seed.ticket(
        1001,
        site_id="hq",
        address="Tverskaya 1",
        lat=55.7,
        lon=37.6,
        priority=Priority.P1,
        attachments=[
            Attachment("photo", "f-1", "telegram", "broken"),
            Attachment("document", "f-2", "whatsapp"),
        ],
        source_channel="telegram",
        created_at=datetime(2026, 3, 2, 12, 0, tzinfo=moscow),
        updated_at=NOW,
        first_response_at=NOW + timedelta(minutes=5),
        resolution_note="n",
        time_spent_min=30,
        rating=5,
        rating_comment="ok",
        reopen_count=2,
    )
    async with acme() as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    assert ticket.version == 1
    async with acme() as uow:
        loaded = await uow.tickets.get(ticket.id)
        by_number = await uow.tickets.get_by_number(1001)
    assert loaded == ticket
    assert by_number == ticket
    assert loaded is not None
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == timedelta(0)
    assert loaded.created_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert isinstance(loaded.status, TicketStatus)
    assert isinstance(loaded.priority, Priority)


async def test_get_missing_returns_none(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.tickets.get("nope") is None
        assert await uow.tickets.get_by_number(999_999) is None


async def test_update_saves_and_bumps_version(acme: UnitOfWorkFactory, seed: Seed) -> None:
    ticket = seed.ticket(1001)
    async with acme() as uow:
        await uow.tickets.add(ticket)
        ticket.status = TicketStatus.OFFERED
        ticket.offered_at = NOW
        await uow.tickets.update(ticket)
        await uow.commit()
    assert ticket.version == 2
    async with acme() as uow:
        loaded = await uow.tickets.get(ticket.id)
    assert loaded is not None
    assert (loaded.status, loaded.offered_at, loaded.version) == (TicketStatus.OFFERED, NOW, 2)


async def test_update_with_stale_version_raises_and_changes_nothing(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    async with acme() as uow:
        await uow.tickets.add(seed.ticket(1001))
        await uow.commit()
    async with acme() as uow:
        mine = await uow.tickets.get("t-1001")
        theirs = await uow.tickets.get("t-1001")
        assert mine is not None and theirs is not None
        theirs.description = "theirs"
        await uow.tickets.update(theirs)
        mine.description = "mine"
        with pytest.raises(StaleTicket):
            await uow.tickets.update(mine)
        assert mine.version == 1
        await uow.commit()
    async with acme() as uow:
        stored = await uow.tickets.get("t-1001")
    assert stored is not None
    assert (stored.description, stored.version) == ("theirs", 2)


async def test_a_unit_reads_a_ticket_once_and_its_unsaved_changes_do_not_leak(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    async with acme() as uow:
        await uow.tickets.add(seed.ticket(1001))
        await uow.commit()
    async with acme() as uow:
        first = await uow.tickets.get("t-1001")
        assert first is not None
        first.description = "changed, never saved"
        again = await uow.tickets.get("t-1001")  # this transaction's copy, without the caller's edit
        assert again is not None and again.description != "changed, never saved" and again is not first
        again.description = "saved"
        await uow.tickets.update(again)
        after = await uow.tickets.get("t-1001")
        assert after is not None and (after.description, after.version) == ("saved", 2)
        await uow.rollback()
        forgotten = await uow.tickets.get("t-1001")  # read afresh after the rollback
        assert forgotten is not None and forgotten.version == 1


async def test_a_change_committed_by_another_unit_meanwhile_is_still_stale(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    async with acme() as uow:
        if not isinstance(uow, SqlUnitOfWork) or uow.session.get_bind().dialect.name != "postgresql":
            pytest.skip("PostgreSQL's: SQLite's units (and memory's) run one at a time")
        await uow.tickets.add(seed.ticket(1001))
        await uow.commit()
    async with acme() as mine:
        read = await mine.tickets.get("t-1001")
        assert read is not None
        async with acme() as theirs:
            other = await theirs.tickets.get("t-1001")
            assert other is not None
            other.description = "theirs"
            await theirs.tickets.update(other)
            await theirs.commit()
        again = await mine.tickets.get("t-1001")  # the copy this unit read: still version 1
        assert again is not None and again.version == 1
        again.description = "mine"
        with pytest.raises(StaleTicket):  # as when every get read the row: the version says it moved
            await mine.tickets.update(again)
        fresh = await mine.tickets.get("t-1001")  # after a stale save the row is read again
        assert fresh is not None and (fresh.description, fresh.version) == ("theirs", 2)


async def test_update_of_missing_ticket_is_stale(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    async with uow_factory() as uow:
        with pytest.raises(StaleTicket):
            await uow.tickets.update(replace(seed.ticket(1001), version=1))


async def test_lists_filter_order_and_limit(acme: UnitOfWorkFactory, seed: Seed) -> None:
    async with acme() as uow:
        await uow.directory.add_client(seed.client("other"))
        await uow.tickets.add(seed.ticket(1001, status=TicketStatus.CLOSED))
        await uow.tickets.add(seed.ticket(1002, assignee_id="e1", status=TicketStatus.ACCEPTED))
        await uow.tickets.add(seed.ticket(1003, assignee_id="e1", status=TicketStatus.IN_PROGRESS))
        await uow.tickets.add(seed.ticket(1004, assignee_id="e1", status=TicketStatus.RESOLVED))
        await uow.tickets.add(seed.ticket(1005, assignee_id="e2", status=TicketStatus.ON_HOLD))
        await uow.tickets.add(
            seed.ticket(1006, client_id="other", assignee_id="e2", status=TicketStatus.OFFERED)
        )
        await uow.commit()
    async with acme() as uow:
        acme_all = await uow.tickets.list_for_client("acme")
        acme_open = await uow.tickets.list_for_client("acme", [TicketStatus.ACCEPTED, TicketStatus.ON_HOLD])
        acme_two = await uow.tickets.list_for_client("acme", limit=2)
        e1_jobs = await uow.tickets.list_for_assignee("e1")
        e1_active = await uow.tickets.list_for_assignee("e1", [TicketStatus.IN_PROGRESS])
        loads = await uow.tickets.count_active_by_assignee()
    assert [t.number for t in acme_all] == [1005, 1004, 1003, 1002, 1001]
    assert [t.number for t in acme_open] == [1005, 1002]
    assert [t.number for t in acme_two] == [1005, 1004]
    assert [t.number for t in e1_jobs] == [1004, 1003, 1002]
    assert [t.number for t in e1_active] == [1003]
    assert loads == {"e1": 2, "e2": 1}


async def test_rollback_discards_ticket(acme: UnitOfWorkFactory, seed: Seed) -> None:
    async with acme() as uow:
        await uow.tickets.add(seed.ticket(1001))
        await uow.rollback()
    async with acme() as uow:
        await uow.tickets.add(seed.ticket(1002))
        # leaving the block without commit rolls back too
    async with acme() as uow:
        assert await uow.tickets.get("t-1001") is None
        assert await uow.tickets.get("t-1002") is None


def _offer(offer_id: str, engineer: str, created_min: int, expires_min: int, **kw: object) -> Offer:
    return Offer(
        offer_id,
        "t-1001",
        engineer,
        kw.pop("status", OfferStatus.PENDING),  # type: ignore[arg-type]
        NOW + timedelta(minutes=created_min),
        NOW + timedelta(minutes=expires_min),
        **kw,  # type: ignore[arg-type]
    )


async def test_offers_contract(acme: UnitOfWorkFactory, seed: Seed) -> None:
    async with acme() as uow:
        await uow.tickets.add(seed.ticket(1001))
        await uow.offers.add(_offer("o-2", "e2", 1, 11, score=0.5))
        await uow.offers.add(_offer("o-1", "e1", 0, 10, score=0.9, reason="near"))
        await uow.offers.add(_offer("o-3", "e3", 2, 5))
        await uow.commit()
    async with acme() as uow:
        got = await uow.offers.get("o-1")
        assert got == _offer("o-1", "e1", 0, 10, score=0.9, reason="near")
        assert await uow.offers.get("missing") is None
        assert [o.id for o in await uow.offers.list_for_ticket("t-1001")] == ["o-1", "o-2", "o-3"]
        await uow.offers.set_status("o-2", OfferStatus.DECLINED, NOW + timedelta(minutes=3), "busy")
        await uow.commit()
    async with acme() as uow:
        declined = await uow.offers.list_for_ticket("t-1001", OfferStatus.DECLINED)
        pending = await uow.offers.list_for_ticket("t-1001", OfferStatus.PENDING)
        expired_at_10 = await uow.offers.list_expired(NOW + timedelta(minutes=10))
        expired_at_7 = await uow.offers.list_expired(NOW + timedelta(minutes=7))
        limited = await uow.offers.list_expired(NOW + timedelta(hours=1), limit=1)
    assert [(o.id, o.reason, o.decided_at) for o in declined] == [("o-2", "busy", NOW + timedelta(minutes=3))]
    assert [o.id for o in pending] == ["o-1", "o-3"]
    assert [o.id for o in expired_at_10] == ["o-3", "o-1"]  # at or before now, soonest first
    assert [o.id for o in expired_at_7] == ["o-3"]
    assert [o.id for o in limited] == ["o-3"]


async def test_pending_offers_of_one_engineer(acme: UnitOfWorkFactory, seed: Seed) -> None:
    # What /jobs lists besides the jobs in work (#18: a reopen offered back to its engineer stays there).
    async with acme() as uow:
        await uow.tickets.add(seed.ticket(1001))
        await uow.offers.add(_offer("o-1", "e1", 0, 10))
        await uow.offers.add(_offer("o-2", "e2", 1, 11))
        await uow.offers.add(_offer("o-3", "e1", 2, 12))
        await uow.offers.add(_offer("o-4", "e1", 3, 13, status=OfferStatus.DECLINED))
        await uow.commit()
    async with acme() as uow:
        mine = await uow.offers.list_pending_for_engineer("e1")
        limited = await uow.offers.list_pending_for_engineer("e1", limit=1)
        others = await uow.offers.list_pending_for_engineer("e2")
        nobody = await uow.offers.list_pending_for_engineer("e9")
    assert [o.id for o in mine] == ["o-3", "o-1"]  # newest first; not the declined one, nor e2's
    assert [o.id for o in limited] == ["o-3"]
    assert [o.id for o in others] == ["o-2"] and nobody == []


async def test_next_number_unique_under_20_concurrent_callers(live_uow_factory: UnitOfWorkFactory) -> None:
    async def reserve() -> int:
        async with live_uow_factory() as uow:
            number = await uow.tickets.next_number()
            await asyncio.sleep(0)  # let the others run while this transaction is open
            await uow.commit()
            return number

    numbers = await asyncio.gather(*(reserve() for _ in range(20)))
    assert sorted(numbers) == list(range(1001, 1021))


async def _offered_ticket(factory: UnitOfWorkFactory, seed: Seed) -> None:
    async with factory() as uow:
        await uow.directory.add_client(seed.client())
        await uow.tickets.add(seed.ticket(1001, status=TicketStatus.OFFERED, offered_at=NOW))
        await uow.commit()


async def test_race_20_accepts_one_wins(live_uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    """20 engineers read the same OFFERED ticket, then all try to accept it: one wins, 19 are stale."""
    await _offered_ticket(live_uow_factory, seed)
    everyone_has_read = asyncio.Barrier(20)

    async def accept(engineer: str) -> str:
        async with live_uow_factory() as uow:
            ticket = await uow.tickets.get("t-1001")
        assert ticket is not None and ticket.status is TicketStatus.OFFERED
        await everyone_has_read.wait()
        ticket.status, ticket.assignee_id, ticket.accepted_at = TicketStatus.ACCEPTED, engineer, NOW
        async with live_uow_factory() as uow:
            try:
                await uow.tickets.update(ticket)
            except StaleTicket:
                return "stale"
            await uow.commit()
            return engineer

    results = await asyncio.gather(*(accept(f"e{i}") for i in range(20)))
    winners = [r for r in results if r != "stale"]
    assert len(winners) == 1
    assert results.count("stale") == 19
    async with live_uow_factory() as uow:
        stored = await uow.tickets.get("t-1001")
    assert stored is not None
    assert (stored.status, stored.assignee_id, stored.version) == (TicketStatus.ACCEPTED, winners[0], 2)


@pytest.mark.parametrize("db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_race_20_accepts_in_open_transactions_on_postgres(
    live_uow_factory: UnitOfWorkFactory, seed: Seed
) -> None:
    """PostgreSQL: read and update in the SAME open transaction, all 20 open at once; one wins."""
    await _offered_ticket(live_uow_factory, seed)
    everyone_has_read = asyncio.Barrier(20)

    async def accept(engineer: str) -> str:
        async with live_uow_factory() as uow:
            ticket = await uow.tickets.get("t-1001")
            assert ticket is not None
            await everyone_has_read.wait()
            ticket.status, ticket.assignee_id = TicketStatus.ACCEPTED, engineer
            try:
                await uow.tickets.update(ticket)
            except StaleTicket:
                return "stale"
            await uow.commit()
            return engineer

    results = await asyncio.gather(*(accept(f"e{i}") for i in range(20)))
    assert results.count("stale") == 19
    async with live_uow_factory() as uow:
        stored = await uow.tickets.get("t-1001")
    assert stored is not None and stored.assignee_id in results


async def test_a_turn_logs_the_number_of_the_ticket_it_added_or_loaded(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    ticket = seed.ticket(1001)
    with log_context(update="tg:client:1") as fields:
        async with acme() as uow:
            await uow.tickets.add(ticket)
            await uow.commit()
        assert fields["ticket"] == 1001
    with log_context(update="tg:client:2") as fields:
        async with acme() as uow:
            assert "ticket" not in fields
            await uow.tickets.get_by_number(1001)
        assert fields["ticket"] == 1001
    with log_context(update="tg:client:3") as fields:
        async with acme() as uow:
            await uow.tickets.get(ticket.id)
        assert fields["ticket"] == 1001
