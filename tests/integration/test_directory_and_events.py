"""EventLog.list_between and set_on_shift on SQLite and PostgreSQL (the digest and /shift use them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.uow import UnitOfWorkFactory
from ticket_core import usecases as uc
from ticket_core.model import Actor, Client


@pytest.fixture
def uow_factory(port_uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """These are contracts of ticket_core's ports: they hold for the memory unit of work as for SQL."""
    return port_uows


async def test_list_between(uow_factory: UnitOfWorkFactory) -> None:
    t0 = datetime(2026, 6, 1, 12, tzinfo=UTC)
    async with uow_factory() as uow:
        await uow.directory.add_client(Client("ev", "Ev"))
        for hours in (0, 5, 30):
            await uc.open_ticket(
                uow, Actor.system(), uc.TicketDraft("ev", "it", "x"), t0 + timedelta(hours=hours)
            )
        await uow.commit()
    async with uow_factory() as uow:
        day = await uow.events.list_between(["ticket_opened"], t0, t0 + timedelta(days=1))
        assert [e["at"] for e in day] == [t0, t0 + timedelta(hours=5)]
        assert await uow.events.list_between(["ticket_resolved"], t0, t0 + timedelta(days=2)) == []


async def test_set_on_shift(uow_factory: UnitOfWorkFactory) -> None:
    from ticket_core.enums import Role
    from ticket_core.model import StaffMember

    async with uow_factory() as uow:
        await uow.directory.add_staff(StaffMember("sh-1", "Shift", Role.ENGINEER, ("it",)))
        await uow.directory.set_on_shift("sh-1", False)
        member = await uow.directory.get_staff("sh-1")
        assert member is not None and member.on_shift is False
        await uow.directory.set_on_shift("sh-1", True)
        member = await uow.directory.get_staff("sh-1")
        assert member is not None and member.on_shift is True
