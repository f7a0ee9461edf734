"""The equipment registry in a real browser (Debian's Chromium, driven by Playwright), against the real app.

An admin opens Equipment from the menu, uploads a CSV file with bad lines (every one is named, nothing is
imported), then a good one; filters the list by site and type; opens a unit's card with its tickets (a repeat
fault marked); edits it (a bad date is refused next to the form, then saved); downloads the site's sticker PDF,
whose page is rendered to PNG and its QR code read back; and switches the admin to Russian. Screenshots and
the sticker page are kept in var/test-artifacts/equipment-admin/ (gitignored): look at them.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp

from helpdesk.runtime import Runtime
from tests.e2e.test_admin_browser import ARGS, CHROMIUM, _sign_in, app
from tests.support.pdf_pages import page_images
from ticket_core import usecases as uc
from ticket_core.enums import Priority, Role
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.model import Actor

__all__ = ["app"]  # the fixture: the whole app on the demo database

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "equipment-admin"
SYSTEM = Actor(Role.SYSTEM, "test")
SUPERVISOR = Actor(Role.SUPERVISOR, "s-sokolova", name="Ольга Соколова")
AC = EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac", ("refrigerant",))
PRINTER = EquipmentType("printer", "Принтер", "Printer", "printers")
GOOD = (
    "site;type;name;model;inventory_no;warranty_until;location;field:refrigerant\n"
    "rom-nevsky;ac;Зал, кондиционер;Daikin FTXB35C;N-1;2025-01-01;у окна;R32\n"
    "rom-nevsky;printer;Кассовый принтер;Epson TM-T20;N-2;2030-01-01;касса;\n"
    "rom-nevsky;ac;Кухня, кондиционер;LG S12;N-3;;кухня;R410A\n"
    "rom-vaska;ac;Склад, кондиционер;LG S09;V-1;;склад;R32\n"
)
BAD = GOOD + "rom-nevsky;fridge;Холодильник;;;;;\nnowhere;ac;Призрак;;;2030-02-30;;\n"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed: run scripts/install_chromium.sh"
    ),
]


async def _types_and_history(rt: Runtime) -> None:
    now = datetime.now(UTC)
    async with rt.uows() as uow:
        await eq.save_type(uow, SYSTEM, AC, now)
        await eq.save_type(uow, SYSTEM, PRINTER, now)
        await uow.commit()


async def _tickets_on(rt: Runtime, unit_name: str) -> list[int]:
    """Two tickets on the unit, a day apart in the same month: the second is a repeat fault."""
    now = datetime.now(UTC)
    numbers = []
    async with rt.uows() as uow:
        unit = (await uow.equipment.find(UnitFilter(text=unit_name)))[0]
        for text in ("Кондиционер капает на пол", "Снова капает"):
            draft = uc.TicketDraft(
                client_id="romashka",
                category="hvac",
                description=text,
                priority=Priority.P3,
                site_id=unit.site_id,
                source_channel="api",
            )
            ticket = await uc.open_ticket(uow, SUPERVISOR, draft, now)
            await uow.equipment.link_ticket(ticket.id, unit.id, visitor=False)
            numbers.append(ticket.number)
        await uow.commit()
    return numbers


async def test_admin_manages_the_registry_in_the_browser(app: tuple[Runtime, str], tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    rt, base = app
    await _types_and_history(rt)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    bad_csv, good_csv = tmp_path / "bad.csv", tmp_path / "units.csv"
    bad_csv.write_text(BAD, encoding="utf-8")
    good_csv.write_text(GOOD, encoding="utf-8")

    async def shot(page: object, name: str) -> None:
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = await browser.new_page(
                viewport={"width": 1280, "height": 900}, locale="en-US", accept_downloads=True
            )
            await _sign_in(page, base, "a-admin")
            await page.get_by_role("link", name="Equipment", exact=True).click()
            await expect(page.locator("h1")).to_contain_text("Equipment")
            await expect(page.locator("#units-table")).to_contain_text("No units match.")

            await page.locator("#import-form input[type=file]").set_input_files(str(bad_csv))
            await page.get_by_role("button", name="Import", exact=True).click()
            errors = page.locator("#import-errors")
            await expect(errors).to_contain_text("Nothing was imported: 2 bad line(s)")
            await expect(errors.locator("li")).to_have_count(2)
            await expect(errors.locator("li").nth(0)).to_contain_text("line 6: no equipment type 'fridge'")
            await expect(errors.locator("li").nth(1)).to_contain_text("line 7: warranty_until '2030-02-30'")
            await expect(page.locator("#units-table")).to_contain_text("No units match.")
            await shot(page, "import_errors")

            await page.locator("#import-form input[type=file]").set_input_files(str(good_csv))
            await page.get_by_role("button", name="Import", exact=True).click()
            await expect(page.locator("#import-note")).to_have_text("Imported: 4 new, 0 updated.")
            await expect(page.locator("#units-table tr")).to_have_count(5)

            await page.locator("input[name=site]").fill("Ромашка на Невском")
            await page.locator("select[name=type]").select_option("ac")
            await page.get_by_role("button", name="Filter").click()
            await expect(page.locator("#units-table tr")).to_have_count(3)  # header + two air conditioners
            await expect(page.locator("#units-table")).not_to_contain_text("Склад")
            await shot(page, "list_filtered")

            numbers = await _tickets_on(rt, "Зал, кондиционер")
            await page.get_by_role("link", name="Зал, кондиционер").click()
            card = page.locator("#unit-tickets")
            await expect(card).to_contain_text(f"HD-{numbers[1]}")
            await expect(card).to_contain_text(f"repeat fault: HD-{numbers[0]} within 30 days")
            await expect(page.locator("#unit-details")).to_contain_text("warranty ended 2025-01-01")
            await page.locator("input[name=installed_on]").fill("вчера")
            await page.get_by_role("button", name="Save").click()
            await expect(page.locator("#unit-error")).to_contain_text("installed_on 'вчера' is not a date")
            await page.locator("input[name=installed_on]").fill("2022-06-01")
            await page.locator("input[name=warranty_until]").fill("2027-06-01")
            await page.locator("input[name=location]").fill("2 этаж, у окна")
            await page.get_by_role("button", name="Save").click()
            await expect(page.locator(".flash.ok")).to_have_text("Saved.")
            await expect(page.locator("#unit-details")).to_contain_text("under warranty until 2027-06-01")
            await expect(page.locator("#unit-details")).to_contain_text("2 этаж, у окна")
            await shot(page, "unit_card")

            await page.get_by_role("link", name="Equipment", exact=True).click()
            await page.locator("input[name=site]").fill("rom-nevsky")
            await page.get_by_role("button", name="Filter").click()
            async with page.expect_download() as downloading:
                await page.locator("#stickers-link").click()
            saved = Path(await (await downloading.value).path())
            pdf = await asyncio.to_thread(saved.read_bytes)
            images = page_images(pdf)
            assert len(images) == 1
            images[0].save(ARTIFACTS / "sticker-page.png")
            codes = sorted(r.text for r in zxingcpp.read_barcodes(images[0]))
            async with rt.uows() as uow:
                units = await uow.equipment.find(UnitFilter(site_id="rom-nevsky"))
            assert len(codes) == 3 and all(any(u.code in c for c in codes) for u in units)

            await page.locator("form.langs button[value=ru]").click()
            await expect(page.locator("h1")).to_contain_text("Оборудование")
            await expect(page.locator("#units-table")).to_contain_text("в работе")
            await shot(page, "list_ru")
        finally:
            await browser.close()


async def test_admin_edits_types_uploads_a_photo_and_plans_maintenance(
    app: tuple[Runtime, str], tmp_path: Path
) -> None:
    """The type editor (a custom field added shows up in the unit's form), a photo uploaded to a unit (its
    thumbnail is served), a maintenance plan for every unit of the type at the site made and paused from the
    card, and the same pages in Russian. Screenshots: types.png, unit_photo_plan.png, unit_ru.png."""
    from PIL import Image
    from playwright.async_api import async_playwright, expect

    rt, base = app
    await _types_and_history(rt)
    async with rt.uows() as uow:
        await eq.import_units(uow, SYSTEM, GOOD, datetime.now(UTC))
        await uow.commit()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    photo = tmp_path / "hall.jpg"
    Image.new("RGB", (320, 200), (40, 120, 200)).save(photo)

    async def shot(page: object, name: str) -> None:
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
            await _sign_in(page, base, "a-admin")
            await page.goto(base + "/admin/equipment")
            await page.locator("#types-link").click()
            await expect(page.locator("#types-table")).to_contain_text("Кондиционер / Air conditioner")
            await page.get_by_role("link", name="ac", exact=True).click()
            await expect(page.locator("#type-form-title")).to_have_text("Edit type ac")
            await page.locator("textarea[name=fields]").fill("refrigerant\nfilter-size")  # a bad name
            await page.get_by_role("button", name="Save", exact=True).click()
            await expect(page.locator("#type-error")).to_contain_text("Custom fields")
            await page.locator("textarea[name=fields]").fill("refrigerant\nfilter_size")
            await page.locator("input[name=resolve_on_recovery]").check()
            await page.get_by_role("button", name="Save", exact=True).click()
            await expect(page.locator(".flash.ok")).to_have_text("Saved.")
            await expect(page.locator("#types-table")).to_contain_text("refrigerant, filter_size")
            await expect(page.locator("#types-table")).to_contain_text("resolves the ticket")
            await shot(page, "types")

            await page.goto(base + "/admin/equipment?type=ac&site=rom-nevsky")
            await page.get_by_role("link", name="Зал, кондиционер").click()
            await expect(page.locator("input[name='field:filter_size']")).to_be_visible()
            await page.locator("#photo-form input[type=file]").set_input_files(str(photo))
            await page.get_by_role("button", name="Upload").click()
            thumb = page.locator("#unit-photos img")
            await expect(thumb).to_have_count(1)
            assert await thumb.evaluate("img => img.complete && img.naturalWidth") == 320  # served back

            await page.locator("#plan-new summary").click()
            form = page.locator("#plan-form-new")
            await form.locator("input[name=schedule]").fill("every other day")
            await form.locator("input[name=description]").fill("Filter change")
            await form.get_by_role("button", name="Create plan").click()
            await expect(page.locator(".plan-error")).to_contain_text("The schedule is not understood")
            await shot(page, "plan_error_en")
            form = page.locator("#plan-form-new")
            await form.locator("input[name=schedule]").fill("first monday of each month at 09:00")
            await form.locator("select[name=target]").select_option("type")
            await form.locator("textarea[name=checklist]").fill("Replace the filter\nClean the drain")
            await form.get_by_role("button", name="Create plan").click()
            plans = page.locator("#plans-table")
            await expect(plans).to_contain_text("every unit of this type at this site")
            await expect(plans).to_contain_text("active")
            await page.locator("details.plan summary", has_text="Edit plan").click()
            edit = page.locator("form[id^=plan-form-mp-]")
            await expect(edit.locator("textarea[name=checklist]")).to_have_value(
                "Replace the filter\nClean the drain"
            )
            await edit.locator("input[name=active]").uncheck()
            await edit.get_by_role("button", name="Save plan").click()
            await expect(page.locator("#plans-table")).to_contain_text("paused")
            await shot(page, "unit_photo_plan")
            async with rt.uows() as uow:
                kitchen = (await uow.equipment.find(UnitFilter(text="Кухня, кондиционер")))[0]
            await page.goto(f"{base}/admin/equipment/units/{kitchen.id}")
            await expect(page.locator("#plans-table")).to_contain_text(
                "Filter change"
            )  # the type's, at the site

            await page.locator("form.langs button[value=ru]").click()
            await expect(page.locator("#unit-plans")).to_have_text("Плановое обслуживание")
            await expect(page.locator("#plans-table")).to_contain_text("все единицы этого типа на объекте")
            await shot(page, "unit_ru")
            await page.locator("#plan-new summary").click()
            form = page.locator("#plan-form-new")
            await form.locator("input[name=schedule]").fill("иногда")
            await form.locator("input[name=description]").fill("Замена фильтра")
            await form.locator("input[name=lead_days]").fill("90")
            await form.locator("button[type=submit]").click()
            error = page.locator(".plan-error")  # every problem at once, in Russian (English before)
            await expect(error).to_contain_text("Расписание «иногда» не распознано")
            await expect(error).to_contain_text("За сколько дней открыть заявку — число от 0 до 60")
            await shot(page, "plan_error_ru")
        finally:
            await browser.close()
