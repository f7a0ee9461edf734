"""Importing a client's contacts from CSV in the web admin, in a real browser (Debian's Chromium, driven by
Playwright), against the real app on the demo database.

A supervisor (the admin in Russian) opens Клиенты -> romashka, uploads a file with bad lines (every one named
in Russian, nothing imported), then a good one saved by Excel (semicolons, a byte-order mark, Russian column
names): a new contact and Иван Кузнецов, known by his phone, updated rather than added twice. An admin reading
English gets the same kind of refusal in English. Screenshots in var/test-artifacts/contacts-admin/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk.runtime import Runtime
from tests.e2e.test_admin_browser import ARGS, CHROMIUM, _sign_in, app

__all__ = ["app"]  # the fixture: the whole app on the demo database

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "contacts-admin"
BAD = (
    "Имя;Почта;Телефон;Руководитель;Объект\n"
    "Мария Орлова;maria@romashka.example;+7 921 555-00-01;да;Ромашка на Невском\n"
    ";not-an-address;12;может быть;\n"
    "Пётр;maria@romashka.example;;;Склад\n"
)
GOOD = (
    "\ufeffИмя;Почта;Телефон;Руководитель;Объект\n"
    "Мария Орлова;maria@romashka.example;+7 921 555-00-01;да;Ромашка на Невском\n"
    "Иван Кузнецов;ivan@romashka.example;8 921 123-45-02;нет;rom-petrograd\n"
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed: run scripts/install_chromium.sh"
    ),
]


async def test_a_supervisor_imports_contacts_in_the_browser(app: tuple[Runtime, str], tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    rt, base = app
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    bad_csv, good_csv = tmp_path / "bad.csv", tmp_path / "contacts.csv"
    bad_csv.write_text(BAD, encoding="utf-8")
    good_csv.write_text(GOOD, encoding="utf-8")
    async with rt.uows() as uow:
        before = len(await uow.directory.list_contacts("romashka"))

    async def shot(page: object, name: str) -> None:
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
            await _sign_in(page, base, "s-sokolova")
            await page.get_by_role("link", name="Клиенты", exact=True).click()
            await page.get_by_role("link", name="romashka", exact=True).click()
            await expect(page.locator("h1")).to_contain_text("Кафе «Ромашка»")

            form = page.locator("#contacts-import-form")
            await form.locator("input[type=file]").set_input_files(str(bad_csv))
            await form.get_by_role("button", name="Импортировать").click()
            errors = page.locator("#import-errors")
            await expect(errors).to_contain_text("Ничего не загружено: строк с ошибками — 2.")
            await expect(errors.locator("li")).to_have_count(2)
            await expect(errors.locator("li").nth(0)).to_contain_text("строка 3: Имя не заполнено.")
            await expect(errors.locator("li").nth(0)).to_contain_text("«12» — не номер телефона")
            await expect(errors.locator("li").nth(1)).to_contain_text("«Склад» — не объект этого клиента")
            await expect(errors.locator("li").nth(1)).to_contain_text(
                "maria@romashka.example есть и в строке 2."
            )
            await expect(page.locator("#contacts")).to_be_visible()
            await shot(page, "import_errors_ru")
            async with rt.uows() as uow:
                assert len(await uow.directory.list_contacts("romashka")) == before  # nothing imported

            form = page.locator("#contacts-import-form")
            await form.locator("input[type=file]").set_input_files(str(good_csv))
            await form.get_by_role("button", name="Импортировать").click()
            await expect(page.locator("#import-note")).to_have_text(
                "Контакты загружены: новых — 1, обновлено — 1."
            )
            await expect(page.locator("input[value='maria@romashka.example']")).to_be_visible()
            await expect(page.locator("input[value='ivan@romashka.example']")).to_be_visible()
            await shot(page, "imported_ru")
            async with rt.uows() as uow:
                people = await uow.directory.list_contacts("romashka")
            assert len(people) == before + 1
            ivan = next(c for c in people if c.id == "romashka-ivan")
            assert (ivan.email, ivan.site_id) == ("ivan@romashka.example", "rom-petrograd")
            await page.close()

            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
            await _sign_in(page, base, "a-admin")
            await page.goto(base + "/admin/clients/acme")
            form = page.locator("#contacts-import-form")
            english_csv = tmp_path / "bad-en.csv"
            english_csv.write_text("name,phone,site\n,12,\nBob,+7 916 000-00-09,Склад\n", encoding="utf-8")
            await form.locator("input[type=file]").set_input_files(str(english_csv))
            await form.get_by_role("button", name="Import").click()
            errors = page.locator("#import-errors")
            await expect(errors).to_contain_text("Nothing was imported: 2 bad line(s).")
            await expect(errors.locator("li").nth(0)).to_contain_text("line 2: The name is empty.")
            await expect(errors.locator("li").nth(1)).to_contain_text(
                "'Склад' is not one of the client's sites"
            )
            await shot(page, "import_errors_en")
        finally:
            await browser.close()
