"""The equipment registry on SQLite and PostgreSQL: types, CSV import (all or nothing), lists, tickets on units."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW, Seed
from ticket_core.enums import Role
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, PartReplaced, UnitFilter, UnitStatus
from ticket_core.errors import Forbidden, NotFound
from ticket_core.model import Actor

ADMIN = Actor(Role.ADMIN, "admin", name="Admin")
AC = EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac", ("refrigerant", "btu"), True)
PRINTER = EquipmentType("printer", "Принтер", "Printer", "printer")

CSV = """site,type,name,model,serial,inventory_no,installed_on,warranty_until,location,status,photos,field:refrigerant
hq,ac,Hall AC,Daikin FTXB35C,SN-1,INV-1,2024-05-01,2027-05-01,"2nd floor, server room",,https://x.test/1.jpg,R32
hq,printer,Front printer,HP M404,SN-2,INV-2,2023-01-10,2024-01-10,reception,under_repair,,
"""


async def _types(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        await eq.save_type(uow, ADMIN, AC, NOW)
        await eq.save_type(uow, ADMIN, PRINTER, NOW)
        await uow.commit()


async def test_import_list_show_and_export_round_trip(acme: UnitOfWorkFactory, seed: Seed) -> None:
    await _types(acme)
    async with acme() as uow:
        result = await eq.import_units(uow, ADMIN, CSV, NOW)
        await uow.commit()
    assert (result.created, result.updated) == (2, 0)
    async with acme() as uow:
        assert [t.id for t in await uow.equipment.list_types()] == ["ac", "printer"]
        assert await uow.equipment.get_type("ac") == AC
        units, total = await eq.list_units(uow, ADMIN, UnitFilter(site_id="hq"))
        assert total == 2 and [u.name for u in units] == ["Front printer", "Hall AC"]
        hall = units[1]
        assert hall.location == "2nd floor, server room" and hall.fields == {"refrigerant": "R32"}
        assert hall.photos == ("https://x.test/1.jpg",) and hall.warranty_until == date(2027, 5, 1)
        assert hall.client_id == "acme" and len(hall.code) == 12
        assert (await uow.equipment.get_by_code(hall.code)) == hall
        ac = await uow.equipment.get_type(hall.type_id)
        assert ac == AC
        assert await uow.equipment.find_with_type(hall.code) == (hall, ac)  # by sticker code
        assert await uow.equipment.find_with_type(hall.id) == (hall, ac)  # or by id
        assert await uow.equipment.find_with_type("no-such-unit") is None
        assert [
            u.name for u in (await eq.list_units(uow, ADMIN, UnitFilter(status=UnitStatus.UNDER_REPAIR)))[0]
        ] == ["Front printer"]
        assert (await eq.list_units(uow, ADMIN, UnitFilter(text="daikin")))[1] == 1
        assert (await eq.list_units(uow, ADMIN, UnitFilter(warranty_expired_on=date(2025, 1, 1))))[1] == 1
        exported = await eq.export_units(uow, ADMIN, UnitFilter())
        events = await uow.events.list_between(
            ["units_imported", "equipment_type_saved"], NOW, NOW + timedelta(1)
        )
        assert [e["name"] for e in events] == [
            "equipment_type_saved",
            "equipment_type_saved",
            "units_imported",
        ]
    # The exported file imports back as updates of the same units, codes kept.
    async with acme() as uow:
        again = await eq.import_units(uow, ADMIN, exported.replace("Hall AC", "Hall AC 2"), NOW)
        await uow.commit()
    assert (again.created, again.updated) == (0, 2)
    async with acme() as uow:
        renamed = await uow.equipment.get(hall.id)
        assert renamed is not None and renamed.name == "Hall AC 2" and renamed.code == hall.code


async def test_a_bad_line_imports_nothing_and_every_bad_line_is_named(acme: UnitOfWorkFactory) -> None:
    await _types(acme)
    bad = (
        "site,type,name,inventory_no,installed_on,field:btu\n"
        "hq,ac,Good one,A1,2024-01-01,9000\n"
        "hq,ac,Bad date,A2,2024-13-01,\n"
        "nowhere,fridge,Unknown,A3,,\n"
        "hq,printer,No btu on printers,A4,,12\n"
        "hq,ac,Same number,A1,,\n"
        "hq,ac\n"
    )
    async with acme() as uow:
        with pytest.raises(eq.ImportRejected) as caught:
            await eq.import_units(uow, ADMIN, bad, NOW)
        await uow.commit()
    assert [e.line for e in caught.value.errors] == [3, 4, 5, 6, 7]
    text = str(caught.value)
    assert "line 4: no site 'nowhere'; no equipment type 'fridge'" in text
    assert "line 6: inventory number A1 is also on line 2" in text
    async with acme() as uow:
        assert await uow.equipment.count(UnitFilter()) == 0


async def test_only_managers_change_the_registry_and_clients_see_their_own(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    await _types(acme)
    async with acme() as uow:
        await uow.directory.add_client(seed.client("beta"))
        await uow.directory.add_site(seed.site("b-1", "beta"))
        await eq.import_units(uow, ADMIN, "site,type,name\nhq,ac,Ours\nb-1,ac,Theirs\n", NOW)
        await uow.commit()
    engineer = Actor(Role.ENGINEER, "e-1")
    client = Actor(Role.CLIENT, "c-anna", client_id="acme")
    async with acme() as uow:
        with pytest.raises(Forbidden):
            await eq.import_units(uow, engineer, "site,type,name\nhq,ac,X\n", NOW)
        with pytest.raises(Forbidden):
            await eq.save_type(uow, client, AC, NOW)
        units, total = await eq.list_units(uow, client, UnitFilter())
        assert total == 1 and units[0].name == "Ours"
        theirs = (await eq.list_units(uow, ADMIN, UnitFilter(client_id="beta")))[0][0]
        with pytest.raises(NotFound):
            await eq.get_unit(uow, client, theirs.id)
        with pytest.raises(Forbidden):
            await eq.set_unit_status(uow, client, units[0].id, UnitStatus.RETIRED, NOW)
        changed = await eq.set_unit_status(uow, ADMIN, units[0].id, UnitStatus.RETIRED, NOW)
        assert changed.status is UnitStatus.RETIRED


async def test_tickets_and_parts_of_a_unit(acme: UnitOfWorkFactory, seed: Seed) -> None:
    await _types(acme)
    async with acme() as uow:
        await eq.import_units(uow, ADMIN, "site,type,name\nhq,ac,Hall AC\n", NOW)
        for n in (1001, 1002):
            await uow.tickets.add(seed.ticket(n))
        await uow.commit()
    async with acme() as uow:
        unit = (await uow.equipment.find(UnitFilter()))[0]
        await uow.equipment.link_ticket("t-1001", unit.id, visitor=False)
        await uow.equipment.link_ticket("t-1002", unit.id, visitor=True)
        part = PartReplaced(unit.id, "t-1002", "filter", 2, NOW, "e-1")
        await uow.equipment.add_parts(
            [part, replace(part, part="fan", quantity=1, recorded_at=NOW + timedelta(1))]
        )
        await uow.commit()
    async with acme() as uow:
        assert await uow.equipment.unit_of_ticket("t-1002") == (unit.id, True)
        assert await uow.equipment.unit_of_ticket("t-9") is None
        card = await eq.unit_card(uow, ADMIN, unit.id)
        assert [(h.number, h.visitor) for h in card.history] == [(1002, True), (1001, False)]
        assert [p.part for p in card.parts] == ["fan", "filter"]
        assert card.type == AC and card.site is not None and card.site.id == "hq"


async def test_save_unit_creates_edits_and_retires_with_the_import_checks(acme: UnitOfWorkFactory) -> None:
    from ticket_core.equipment import editing
    from ticket_core.errors import ValidationFailed

    await _types(acme)
    values = {
        "site": "hq",
        "type": "ac",
        "name": "Hall AC",
        "warranty_until": "2027-05-01",
        "field:btu": "9000",
    }
    async with acme() as uow:
        unit = await editing.save_unit(uow, ADMIN, values, NOW)
        await uow.commit()
    assert unit.client_id == "acme" and unit.fields == {"btu": "9000"} and len(unit.code) == 12
    async with acme() as uow:
        # The same words as an import's line errors, and nothing saved.
        with pytest.raises(
            ValidationFailed, match=r"installed_on '2024-13-01' is not a date; write YYYY-MM-DD"
        ):
            await editing.save_unit(uow, ADMIN, {**values, "installed_on": "2024-13-01"}, NOW, unit.id)
        with pytest.raises(ValidationFailed, match=r"no site 'nowhere'"):
            await editing.save_unit(uow, ADMIN, {**values, "site": "nowhere"}, NOW)
        with pytest.raises(ValidationFailed, match=r"type ac has no field\(s\) colour"):
            await editing.save_unit(uow, ADMIN, {**values, "field:colour": "red"}, NOW)
        with pytest.raises(ValidationFailed, match=r"Unknown field\(s\): size"):
            await editing.save_unit(uow, ADMIN, {**values, "size": "L"}, NOW)
        with pytest.raises(Forbidden):
            await editing.save_unit(uow, Actor(Role.ENGINEER, "e-1"), values, NOW, unit.id)
        with pytest.raises(NotFound):
            await editing.save_unit(uow, ADMIN, values, NOW, "no-such-unit")
        moved = await editing.save_unit(
            uow, ADMIN, {**values, "location": "by the window", "status": "under_repair"}, NOW, unit.id
        )
        unchanged = await editing.save_unit(
            uow, ADMIN, {**values, "location": "by the window", "status": "under_repair"}, NOW, unit.id
        )
        retired = await editing.retire_unit(uow, ADMIN, unit.id, NOW)
        await uow.commit()
    assert (
        moved.code == unit.code
        and moved.location == "by the window"
        and unchanged.location == "by the window"
    )
    assert retired.status is UnitStatus.RETIRED
    async with acme() as uow:
        stored = await uow.equipment.get(unit.id)
        assert (
            stored is not None and stored.status is UnitStatus.RETIRED and stored.location == "by the window"
        )
        events = await uow.events.list_between(["unit_saved", "unit_status_changed"], NOW, NOW + timedelta(1))
    assert [(e["name"], e["data"].get("created"), e["data"].get("changed")) for e in events] == [
        ("unit_saved", True, []),
        ("unit_status_changed", None, None),
        ("unit_saved", False, ["location", "status"]),
        ("unit_status_changed", None, None),
    ]
