"""The reliability report over real tickets on units, on memory, SQLite and PostgreSQL: the repository's
faults feed the same figures as the reference computed here by hand from the ticket times."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW, Seed
from ticket_core.enums import Role, TicketStatus
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.equipment.reliability import as_dict, reliability_report
from ticket_core.errors import Forbidden, ValidationFailed
from ticket_core.model import Actor

ADMIN = Actor(Role.ADMIN, "admin", name="Admin")
DAY = timedelta(days=1)
UNITS = (
    "site,type,name,model,warranty_until\n"
    "hq,ac,Hall AC,Daikin,2020-01-01\n"
    "hq,ac,Kitchen AC,LG,2030-01-01\n"
    "hq,printer,Front printer,HP,\n"
)
# (unit, days after NOW opened, hours to resolve or None, status)
TICKETS = [
    ("Hall AC", -40, 2, TicketStatus.CLOSED),  # before the period
    ("Hall AC", -20, 6, TicketStatus.RESOLVED),  # repeat of the one 20 days before
    ("Hall AC", -5, None, TicketStatus.IN_PROGRESS),  # repeat; gap 15 days
    ("Kitchen AC", -10, 3, TicketStatus.RESOLVED),
    ("Kitchen AC", -9, None, TicketStatus.CANCELLED),  # not a failure
    ("Front printer", -1, 1, TicketStatus.CLOSED),
]


@pytest.fixture
async def history(acme: UnitOfWorkFactory, seed: Seed) -> UnitOfWorkFactory:
    async with acme() as uow:
        await eq.save_type(uow, ADMIN, EquipmentType("ac", "Кондиционер", "AC", "hvac"), NOW)
        await eq.save_type(uow, ADMIN, EquipmentType("printer", "Принтер", "Printer", "printers"), NOW)
        await eq.import_units(uow, ADMIN, UNITS, NOW)
        await uow.commit()
    async with acme() as uow:
        units = {u.name: u for u in await uow.equipment.find(UnitFilter())}
        for n, (name, days, hours, status) in enumerate(TICKETS, start=1):
            opened = NOW + days * DAY
            resolved = opened + timedelta(hours=hours) if hours is not None else None
            await uow.tickets.add(seed.ticket(n, created_at=opened, resolved_at=resolved, status=status))
            await uow.equipment.link_ticket(f"t-{n}", units[name].id, visitor=False)
        await uow.commit()
    return acme


async def test_the_report_matches_the_hand_computed_figures(history: UnitOfWorkFactory) -> None:
    async with history() as uow:
        report = await reliability_report(uow, ADMIN, NOW - 30 * DAY, NOW)
    hall, kitchen, printer = (
        next(u for u in report.by_unit if u.name == n) for n in ("Hall AC", "Kitchen AC", "Front printer")
    )
    assert (hall.failures, hall.repeats, hall.mtbf_h, hall.mttr_h, hall.out_of_warranty) == (
        2,
        2,
        15 * 24.0,
        6.0,
        True,
    )
    assert (kitchen.failures, kitchen.repeats, kitchen.mtbf_h, kitchen.mttr_h) == (1, 0, None, 3.0)
    assert (printer.failures, printer.mttr_h, printer.out_of_warranty) == (1, 1.0, False)
    ac, printers = report.by_type
    assert (ac.units, ac.failed_units, ac.failures, ac.failures_per_unit, ac.repeats) == (2, 2, 3, 1.5, 2)
    assert (ac.mtbf_h, ac.mttr_h) == (360.0, 4.5)
    assert (printers.units, printers.failures, printers.mtbf_h) == (1, 1, None)
    assert (report.failures, report.repeats, report.mtbf_h, report.mttr_h) == (4, 2, 360.0, round(10 / 3, 2))
    assert [m.model for m in report.top_models] == ["Daikin", "LG", "HP"]
    assert [u.name for u in report.out_of_warranty] == ["Hall AC"]
    assert as_dict(report)["by_type"][0]["failures_per_unit"] == 1.5
    # A shorter period: the Hall AC's older failures only make its one failure in the period a repeat.
    async with history() as uow:
        week = await reliability_report(uow, ADMIN, NOW - 7 * DAY, NOW)
    assert [(u.name, u.failures, u.repeats, u.mtbf_h) for u in week.by_unit] == [
        ("Hall AC", 1, 1, None),
        ("Front printer", 1, 0, None),
    ]
    assert week.out_of_warranty[0].name == "Hall AC" and date(2020, 1, 1) < NOW.date()


async def test_only_staff_who_read_reports_and_a_sane_period(history: UnitOfWorkFactory) -> None:
    async with history() as uow:
        with pytest.raises(Forbidden):
            await reliability_report(uow, Actor(Role.ENGINEER, "e-1"), NOW - DAY, NOW)
        with pytest.raises(ValidationFailed):
            await reliability_report(uow, ADMIN, NOW, NOW - DAY)
