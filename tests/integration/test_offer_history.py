"""last_offered_at on SQLite and PostgreSQL (round-robin routing reads it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from storage.uow import UnitOfWorkFactory
from ticket_core import usecases as uc
from ticket_core.enums import OfferStatus, Role
from ticket_core.model import Actor, Client, Offer, StaffMember


@pytest.fixture
def uow_factory(port_uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """These are contracts of ticket_core's ports: they hold for the memory unit of work as for SQL."""
    return port_uows


async def test_last_offered_at(uow_factory: UnitOfWorkFactory) -> None:
    t0 = datetime(2026, 5, 1, 9, tzinfo=UTC)
    async with uow_factory() as uow:
        await uow.directory.add_client(Client("rr", "RR"))
        for staff_id in ("rr-a", "rr-b", "rr-c"):
            await uow.directory.add_staff(StaffMember(staff_id, staff_id, Role.ENGINEER, ("it",)))
        ticket = await uc.open_ticket(uow, Actor.system(), uc.TicketDraft("rr", "it", "x"), t0)
        for minutes, staff_id in ((1, "rr-a"), (5, "rr-b"), (9, "rr-a")):
            at = t0 + timedelta(minutes=minutes)
            await uow.offers.add(Offer(str(uuid.uuid4()), ticket.id, staff_id, OfferStatus.DECLINED, at, at))
        got = await uow.offers.last_offered_at(["rr-a", "rr-b", "rr-c"])
        assert got == {"rr-a": t0 + timedelta(minutes=9), "rr-b": t0 + timedelta(minutes=5)}
        assert all(v.tzinfo is not None for v in got.values())
        assert await uow.offers.last_offered_at([]) == {}
