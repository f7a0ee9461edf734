"""The equipment registry pages of the web admin over HTTP (SQLite and PostgreSQL): list with filters, CSV
import with every bad line named (and nothing imported), a unit's card with its tickets and a repeat fault,
edits and retiring through the use cases (audited), export and the sticker PDF; Russian for the supervisor."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from aiohttp import FormData
from sqlalchemy import func, select

from storage.equipment_tables import equipment_units
from storage.tables import ticket_events
from tests.integration.test_admin_http import (
    ADMIN,
    ENGINEER,
    SUPERVISOR,
    Admin,
    _open_ticket,
    admin,
    signed_in,
)
from ticket_core.enums import Role
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter, UnitStatus
from ticket_core.model import Actor

__all__ = ["admin"]  # the fixture, shared with the admin's HTTP tests

SYSTEM = Actor(Role.SYSTEM, "test")
AC = EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac", ("refrigerant",))
PRINTER = EquipmentType("printer", "Принтер", "Printer", "printers")
GOOD = (
    "site,type,name,model,inventory_no,warranty_until,location,field:refrigerant\n"
    "rom-nevsky,ac,Hall AC,Daikin FTXB35C,N-1,2020-01-01,by the window,R32\n"
    "rom-nevsky,printer,Till printer,Epson TM-T20,N-2,2030-01-01,counter,\n"
    "rom-vaska,ac,Kitchen AC,LG S12,V-1,,kitchen,R410A\n"
)
BAD = GOOD + "rom-nevsky,fridge,Cold one,,,,,\nrom-nevsky,ac,Bad date,,,2030-02-30,,\n"


async def _upload(admin: Admin, text: str) -> tuple[int, str]:
    form = FormData()
    form.add_field("csrf", admin.session_csrf)
    form.add_field("file", text.encode("utf-8"), filename="units.csv", content_type="text/csv")
    response = await admin.client.post("/admin/equipment/import", data=form, allow_redirects=False)
    return response.status, await response.text()


async def _units(admin: Admin) -> int:
    return int(await admin.scalar(select(func.count()).select_from(equipment_units)))


async def test_registry_pages_import_filter_card_edit_retire_export_and_stickers(admin: Admin) -> None:
    async with admin.rt.uows() as uow:
        await eq.save_type(uow, SYSTEM, AC, datetime.now(UTC))
        await eq.save_type(uow, SYSTEM, PRINTER, datetime.now(UTC))
        await uow.commit()
    await signed_in(admin, ADMIN)

    status, page = await _upload(admin, BAD)
    assert status == 400 and await _units(admin) == 0
    assert "Nothing was imported: 2 bad line(s)" in page
    assert "line 5: no equipment type &#39;fridge&#39;" in page and "line 6: warranty_until" in page
    status, page = await _upload(admin, GOOD)
    assert status == 200 and "Imported: 3 new, 0 updated." in page and await _units(admin) == 3

    listed = await admin.page("/admin/equipment?type=ac")
    assert "Hall AC" in listed and "Kitchen AC" in listed and "Till printer" not in listed
    listed = await admin.page(
        "/admin/equipment?site=%D0%9D%D0%B5%D0%B2%D1%81%D0%BA%D0%BE%D0%BC&type=ac"
    )  # "Невском"
    assert "Hall AC" in listed and "Kitchen AC" not in listed and 'id="stickers-link"' in listed
    assert "Hall AC" not in await admin.page("/admin/equipment?status=retired")
    assert "Till printer" in await admin.page("/admin/equipment?q=epson")

    async with admin.rt.uows() as uow:
        hall = (await uow.equipment.find(UnitFilter(text="Hall AC")))[0]
    first = await _open_ticket(admin, site_id="rom-nevsky", description="AC drips water")
    second = await _open_ticket(admin, site_id="rom-nevsky", description="AC drips again")
    async with admin.rt.uows() as uow:
        await uow.equipment.link_ticket(first.id, hall.id, visitor=False)
        await uow.equipment.link_ticket(second.id, hall.id, visitor=True)
        await uow.commit()
    card = await admin.page(f"/admin/equipment/units/{hall.id}")
    assert f"HD-{first.number}" in card and f"HD-{second.number}" in card
    assert f"repeat fault: HD-{first.number} within 30 days" in card and "reported by a visitor" in card
    assert "warranty ended 2020-01-01" in card and f"eq-{hall.code}" in card
    assert 'name="field:refrigerant" value="R32"' in card
    report = await admin.page("/admin/reports/equipment?days=30")
    row = re.search(r'<tr><td><a href="/admin/equipment/units/' + hall.id + r'">Hall AC</a>.*?</tr>', report)
    assert row is not None and "<td>2</td><td>1</td>" in row.group(0)  # two failures, one a repeat
    assert "Equipment reliability" in await admin.page("/admin/reports")

    form = {
        "name": "Hall AC",
        "type": "ac",
        "site": "rom-nevsky",
        "status": "under_repair",
        "location": "2nd floor",
        "warranty_until": "2031-01-01",
        "field:refrigerant": "R32",
    }
    bad = await admin.post(f"/admin/equipment/units/{hall.id}", {**form, "installed_on": "yesterday"})
    text = await bad.text()
    assert bad.status == 400 and "installed_on &#39;yesterday&#39; is not a date" in text
    assert 'value="2nd floor"' in text  # what was typed stays in the form
    saved = await admin.post(f"/admin/equipment/units/{hall.id}", form)
    assert saved.status == 303 and saved.headers["Location"] == f"/admin/equipment/units/{hall.id}?done=saved"
    retired = await admin.post(f"/admin/equipment/units/{hall.id}/retire", {})
    assert retired.status == 303
    async with admin.rt.uows() as uow:
        unit = await uow.equipment.get(hall.id)
    assert unit is not None and unit.status is UnitStatus.RETIRED and unit.location == "2nd floor"
    async with admin.rt.sessions() as session:
        audited = (
            await session.execute(
                select(ticket_events.c.name).where(
                    ticket_events.c.name.in_(["unit_saved", "unit_status_changed", "units_imported"])
                )
            )
        ).scalars()
        assert sorted(audited) == [
            "unit_saved",
            "unit_status_changed",
            "unit_status_changed",
            "units_imported",
        ]
    assert "Hall AC" in await admin.page("/admin/equipment?status=retired")

    created = await admin.post(
        "/admin/equipment/new", {**form, "name": "Office printer", "type": "printer", "field:refrigerant": ""}
    )
    assert created.status == 303
    assert await _units(admin) == 4

    export = await admin.client.get("/admin/equipment/export.csv?type=printer")
    body = (await export.read()).decode("utf-8-sig")
    assert export.status == 200 and body.startswith("id,code,site,type,name")
    assert "Till printer" in body and "Office printer" in body and "Hall AC" not in body
    pdf = await admin.client.get("/admin/equipment/stickers.pdf?site=rom-nevsky")
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    assert (await pdf.read()).startswith(b"%PDF")
    nothing = await admin.client.get("/admin/equipment/stickers.pdf?site=acme-wh1")
    assert nothing.status == 400 and "No units in service match" in await nothing.text()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_registry_speaks_russian_to_the_supervisor(admin: Admin) -> None:
    await signed_in(admin, SUPERVISOR)
    page = await admin.page("/admin/equipment")
    assert "Оборудование" in page and "Импорт оборудования из CSV" in page and "Ничего не найдено." in page
    assert re.search(r"0 единиц\b", page)
    assert (await admin.page("/admin/equipment/new")).count("Новая единица") >= 1


async def test_types_are_edited_in_the_admin_and_audited(admin: Admin) -> None:
    await signed_in(admin, ADMIN)
    page = await admin.page("/admin/equipment/types")
    assert "No equipment types yet." in page
    form = {"id": "ups", "name_ru": "ИБП", "name_en": "UPS", "category": "power", "fields": "battery\nva"}
    created = await admin.post("/admin/equipment/types", form)
    assert created.status == 303 and created.headers["Location"] == "/admin/equipment/types/ups?done=saved"
    again = await admin.post("/admin/equipment/types", {**form, "name_en": "Other UPS"})  # a new one, same id
    assert again.status == 400 and "There is already a type &#39;ups&#39;" in await again.text()
    bad = await admin.post(
        "/admin/equipment/types",
        {**form, "existing": "ups", "fields": "battery-level", "resolve_on_recovery": "on"},
    )
    text = await bad.text()
    assert bad.status == 400 and "Custom fields: at most 20 distinct lowercase names" in text
    assert "battery-level" in text  # what was typed stays in the form
    changed = await admin.post(
        "/admin/equipment/types",
        {**form, "existing": "ups", "fields": "battery, va, runtime", "resolve_on_recovery": "on"},
    )
    assert changed.status == 303
    async with admin.rt.uows() as uow:
        ups = await uow.equipment.get_type("ups")
    assert ups == EquipmentType(
        "ups", "ИБП", "UPS", "power", ("battery", "va", "runtime"), resolve_on_recovery=True
    )
    page = await admin.page("/admin/equipment/types/ups")
    assert "Edit type ups" in page and "battery\nva\nruntime</textarea>" in page
    assert "nobody: its tickets cannot be routed" in page  # no demo engineer has the skill "power"
    assert (
        await admin.scalar(
            select(func.count())
            .select_from(ticket_events)
            .where(ticket_events.c.name == "equipment_type_saved")
        )
        == 2
    )
    await admin.page("/admin/equipment/types/no-such", status=404)


async def _hall(admin: Admin) -> str:
    async with admin.rt.uows() as uow:
        await eq.save_type(uow, SYSTEM, AC, datetime.now(UTC))
        await eq.save_type(uow, SYSTEM, PRINTER, datetime.now(UTC))
        await eq.import_units(uow, SYSTEM, GOOD, datetime.now(UTC))
        await uow.commit()
        return (await uow.equipment.find(UnitFilter(text="Hall AC")))[0].id


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


async def _photo(admin: Admin, unit_id: str, data: bytes) -> tuple[int, str]:
    form = FormData()
    form.add_field("csrf", admin.session_csrf)
    form.add_field("photo", data, filename="unit.png", content_type="image/png")
    response = await admin.client.post(
        f"/admin/equipment/units/{unit_id}/photos", data=form, allow_redirects=False
    )
    return response.status, await response.text()


async def test_a_photo_is_uploaded_to_a_unit_and_served(admin: Admin) -> None:
    hall = await _hall(admin)
    await signed_in(admin, ADMIN)
    status, text = await _photo(admin, hall, b"%PDF-1.4 not a photo")
    assert status == 400 and "That file is not a photo" in text
    status, _ = await _photo(admin, hall, PNG)
    assert status == 303
    async with admin.rt.uows() as uow:
        unit = await uow.equipment.get(hall)
    assert unit is not None and len(unit.photos) == 1
    link = unit.photos[0]
    assert link.startswith("http") and "/webchat/files/" in link
    path = "/webchat/files/" + link.rsplit("/", 1)[1]
    card = await admin.page(f"/admin/equipment/units/{hall}")
    assert f'<img src="{path}"' in card
    served = await admin.client.get(path)
    assert served.status == 200 and await served.read() == PNG
    assert (
        await admin.scalar(
            select(func.count()).select_from(ticket_events).where(ticket_events.c.name == "unit_saved")
        )
        == 1
    )
    await signed_in(admin, ENGINEER)  # the registry is the managers'
    status, _ = await _photo(admin, hall, PNG)
    assert status in (302, 303, 403)
    async with admin.rt.uows() as uow:
        unchanged = await uow.equipment.get(hall)
    assert unchanged is not None and len(unchanged.photos) == 1


async def test_maintenance_plans_of_a_unit_are_made_and_edited_on_its_card(admin: Admin) -> None:
    hall = await _hall(admin)
    await signed_in(admin, SUPERVISOR)
    plan = {
        "schedule": "first monday of each month at 09:00",
        "description": "Filter change",
        "checklist": "Replace the filter\r\nClean the drain\r\n",
        "priority": "P3",
        "lead_days": "2",
        "active": "on",
        "target": "type",
    }
    bad = await admin.post(
        f"/admin/equipment/units/{hall}/plans", {**plan, "schedule": "sometimes", "lead_days": "x"}
    )
    text = await bad.text()
    # every problem at once, in the supervisor's Russian (ticket_core.po; English before)
    assert (
        bad.status == 400
        and "Расписание «sometimes» не распознано" in text
        and "За сколько дней открыть заявку — число от 0 до 60" in text
    )
    assert 'value="sometimes"' in text  # typed values stay
    created = await admin.post(f"/admin/equipment/units/{hall}/plans", plan)
    assert created.status == 303
    async with admin.rt.uows() as uow:
        plans = list(await uow.maintenance.list("romashka"))
    assert len(plans) == 1
    made = plans[0]
    assert (made.unit_type, made.unit_id, made.site_id, made.category) == ("ac", None, "rom-nevsky", "hvac")
    assert made.checklist == ("Replace the filter", "Clean the drain") and made.lead_time.days == 2
    card = await admin.page(f"/admin/equipment/units/{hall}")
    assert (
        "все единицы этого типа на объекте" in card and "Filter change" in card
    )  # the supervisor reads Russian

    edited = await admin.post(
        f"/admin/equipment/units/{hall}/plans/{made.id}",
        {**plan, "target": "unit", "schedule": "first tuesday of each month at 10:00", "active": ""},
    )
    assert edited.status == 303
    async with admin.rt.uows() as uow:
        after = await uow.maintenance.get(made.id)
    assert after is not None
    assert (after.unit_id, after.unit_type, after.active) == (hall, None, False)
    assert after.schedule == "first tuesday of each month at 10:00" and after.next_run_at != made.next_run_at
    async with admin.rt.uows() as uow:
        kitchen = (await uow.equipment.find(UnitFilter(text="Kitchen AC")))[0].id
    other = await admin.post(
        f"/admin/equipment/units/{kitchen}/plans/{made.id}", plan
    )  # not this unit's plan
    assert other.status == 404
    async with admin.rt.sessions() as session:
        saved = (
            (
                await session.execute(
                    select(ticket_events.c.data).where(ticket_events.c.name == "maintenance_plan_saved")
                )
            )
            .scalars()
            .all()
        )
    assert [(d["created"], sorted(d["changed"])) for d in saved] == [
        (True, []),
        (False, ["active", "schedule", "unit_id", "unit_type"]),
    ]
