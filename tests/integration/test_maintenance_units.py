"""Maintenance plans that target registered units, on memory, SQLite and PostgreSQL: a plan for every air conditioner
at a site opens a ticket on each unit in service (linked, so its card lists it), a plan for one unit opens one
on it, a free-text plan opens one unlinked ticket; planned work is not a failure in the reliability report."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk.maintenance import open_due_plans
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW
from ticket_core.enums import Role
from ticket_core.equipment import editing
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.equipment.reliability import reliability_report
from ticket_core.maintenance import MaintenancePlan
from ticket_core.model import Actor
from ticket_core.sla.ports import maintenance_store

ADMIN = Actor(Role.ADMIN, "admin", name="Admin")
SCHEDULE = "first monday of each month at 09:00"


@pytest.fixture
def uow_factory(port_uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """Every implementation of the ports: memory, SQLite, PostgreSQL (plans kept with SLA tracking off)."""
    return port_uows


def _plan(plan_id: str, **kw: object) -> MaintenancePlan:
    values: dict[str, object] = {
        "client_id": "acme",
        "schedule": SCHEDULE,
        "category": "hvac",
        "description": "Quarterly filter change",
        "next_run_at": NOW + timedelta(hours=1),  # opened a day ahead: due now
        "site_id": "hq",
    }
    values.update(kw)
    return MaintenancePlan(id=plan_id, **values)  # type: ignore[arg-type]


async def test_plans_open_a_ticket_on_each_targeted_unit(acme: UnitOfWorkFactory) -> None:
    async with acme() as uow:
        await eq.save_type(uow, ADMIN, EquipmentType("ac", "Кондиционер", "AC", "hvac"), NOW)
        await eq.save_type(uow, ADMIN, EquipmentType("printer", "Принтер", "Printer", "printers"), NOW)
        await eq.import_units(
            uow,
            ADMIN,
            "site,type,name,model,location,status\n"
            "hq,ac,Hall AC,Daikin,by the window,\nhq,ac,Kitchen AC,LG,,under_repair\n"
            "hq,ac,Old AC,,,retired\nhq,printer,Front printer,HP,,\n",
            NOW,
        )
        await uow.commit()
    async with acme() as uow:
        units = {u.name: u for u in await uow.equipment.find(UnitFilter())}
        store = maintenance_store(uow)
        await store.add(_plan("mp-ac", unit_type="ac"))
        await store.add(
            _plan("mp-printer", unit_id=units["Front printer"].id, category="printers", site_id=None)
        )
        await store.add(_plan("mp-roof", equipment="Roof fan"))
        await uow.commit()
    async with acme() as uow:
        opened = await open_due_plans(uow, NOW)
        await uow.commit()
    assert len(opened) == 4
    async with acme() as uow:
        tickets = {t: await uow.tickets.get(t) for t in opened}
        linked = {t: await uow.equipment.unit_of_ticket(t) for t in opened}
        by_unit = {units[n].id: n for n in units}
        on_units = sorted(by_unit[link[0]] for link in linked.values() if link is not None)
        assert on_units == ["Front printer", "Hall AC", "Kitchen AC"]  # not the retired one
        texts = sorted(t.description for t in tickets.values() if t is not None)
        assert any("Equipment: Hall AC (Daikin, by the window)" in x for x in texts)
        assert any("Equipment: Roof fan" in x for x in texts)
        assert all(t is not None and t.source_channel == "maintenance" for t in tickets.values())
        history = await uow.equipment.history(units["Hall AC"].id)
        assert len(history) == 1
        plans = {p.id: p for p in await maintenance_store(uow).list("acme")}
        assert plans["mp-ac"].unit_type == "ac" and plans["mp-printer"].unit_id == units["Front printer"].id
        assert all(
            p.next_run_at > NOW + timedelta(hours=1) and p.last_ticket_id in opened for p in plans.values()
        )
        events = await uow.events.list_between(["unit_reported"], NOW - timedelta(1), NOW + timedelta(1))
        assert sorted(e["data"]["via"] for e in events) == ["maintenance"] * 3
        report = await reliability_report(uow, ADMIN, NOW - timedelta(days=30), NOW + timedelta(1))
        assert report.failures == 0  # planned work is not a failure
    # Retiring the unit of a one-unit plan: the next run opens nothing and the plan moves on.
    async with acme() as uow:
        await editing.retire_unit(uow, ADMIN, units["Front printer"].id, NOW)
        plan = await maintenance_store(uow).get("mp-printer")
        assert plan is not None
        plan.next_run_at = NOW + timedelta(hours=2)
        await maintenance_store(uow).update(plan)
        assert await open_due_plans(uow, NOW) == []
        moved = await maintenance_store(uow).get("mp-printer")
        assert moved is not None and moved.next_run_at > NOW + timedelta(days=1)


def test_a_plan_targets_one_unit_or_a_type_at_a_site() -> None:
    with pytest.raises(ValueError, match="not both"):
        _plan("x", unit_id="u-1", unit_type="ac")
    with pytest.raises(ValueError, match="needs the site"):
        _plan("x", unit_type="ac", site_id=None)
