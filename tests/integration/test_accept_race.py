"""The accept race through the real use case: 20 engineers press Accept on one job at once; one wins."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import make_engine, make_sessionmaker
from storage.uow import UnitOfWorkFactory
from ticket_core import usecases as uc
from ticket_core.enums import OfferStatus, Role, TicketStatus
from ticket_core.errors import AlreadyTaken
from ticket_core.model import Actor, Client, Offer, StaffMember

ENGINEERS = 20


async def _race(url: str) -> None:
    db = make_engine(url)
    uows = UnitOfWorkFactory(make_sessionmaker(db))
    tag = uuid.uuid4().hex[:8]
    now = datetime.now(UTC)
    try:
        async with uows() as uow:
            await uow.directory.add_client(Client(f"race-{tag}", "Race Ltd"))
            for i in range(ENGINEERS):
                await uow.directory.add_staff(
                    StaffMember(f"e{i}-{tag}", f"Engineer {i}", Role.ENGINEER, ("it",))
                )
            ticket = await uc.open_ticket(
                uow, Actor.system(), uc.TicketDraft(f"race-{tag}", "it", "Broadcast job"), now
            )
            # A broadcast: every engineer holds a pending offer for the same job.
            for i in range(ENGINEERS):
                await uow.offers.add(
                    Offer(
                        str(uuid.uuid4()),
                        ticket.id,
                        f"e{i}-{tag}",
                        OfferStatus.PENDING,
                        now,
                        now + timedelta(minutes=5),
                    )
                )
            ticket.status = TicketStatus.OFFERED
            await uow.tickets.update(ticket)
            await uow.commit()

        start = asyncio.Event()

        async def press(i: int) -> str:
            await start.wait()
            async with uows() as uow:
                try:
                    await uc.accept_offer(
                        uow, Actor(Role.ENGINEER, f"e{i}-{tag}"), ticket.id, datetime.now(UTC)
                    )
                    await uow.commit()
                    return "won"
                except AlreadyTaken:
                    return "taken"

        tasks = [asyncio.create_task(press(i)) for i in range(ENGINEERS)]
        await asyncio.sleep(0.05)
        start.set()
        results = await asyncio.gather(*tasks)
        assert results.count("won") == 1, results
        assert results.count("taken") == ENGINEERS - 1
        async with uows() as uow:
            stored = await uow.tickets.get(ticket.id)
            assert stored is not None and stored.status is TicketStatus.ACCEPTED
            winner = f"e{results.index('won')}-{tag}"
            assert stored.assignee_id == winner
            offers = await uow.offers.list_for_ticket(ticket.id)
            assert [o.engineer_id for o in offers if o.status is OfferStatus.ACCEPTED] == [winner]
            assert sum(o.status is OfferStatus.WITHDRAWN for o in offers) == ENGINEERS - 1
            names = [e["name"] for e in await uow.events.list_for_ticket(ticket.id)]
            assert names.count("offer_accepted") == 1
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_twenty_concurrent_accepts_on_postgres(pg_url: str) -> None:
    await _race(pg_url)


async def test_twenty_concurrent_accepts_on_sqlite(sqlite_url: str) -> None:
    await _race(sqlite_url)
