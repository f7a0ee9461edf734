"""Importing a client's contacts from CSV in the web admin over HTTP (SQLite and PostgreSQL) and by
`helpdesk contacts import`: every bad line named in the reader's language and nothing imported, then a good
file (a person the directory knows by phone updated, not added twice), audited."""

from __future__ import annotations

from pathlib import Path

from aiohttp import FormData
from click.testing import CliRunner
from sqlalchemy import func, select

from helpdesk.cli import main
from storage.admin_tables import admin_audit
from storage.tables import contacts, ticket_events
from tests.integration.test_admin_http import ADMIN, ENGINEER, SUPERVISOR, Admin, admin, signed_in
from tests.integration.test_equipment_cli import demo_db

__all__ = ["admin", "demo_db"]  # the fixtures

BAD = (
    "Имя;Почта;Телефон;Руководитель;Объект\n"
    "Мария Орлова;maria@romashka.example;+7 921 555-00-01;да;Ромашка на Невском\n"
    ";not-an-address;12;может быть;\n"  # 3: four problems
    "Пётр;maria@romashka.example;;;Склад\n"  # 4: Maria's address again, no such site
    "Анна;;+7 916 123-45-01;;\n"  # 5: ACME's Anna
)
GOOD = (
    "name,email,phone,manager,site\n"
    "Мария Орлова,maria@romashka.example,+7 921 555-00-01,yes,Ромашка на Невском\n"
    "Иван Кузнецов,ivan@romashka.example,8 921 123-45-02,no,rom-petrograd\n"  # known by phone: updated
)


async def _upload(admin: Admin, client_id: str, text: str) -> tuple[int, str]:
    form = FormData()
    form.add_field("csrf", admin.session_csrf)
    form.add_field("file", text.encode("utf-8"), filename="contacts.csv", content_type="text/csv")
    response = await admin.client.post(
        f"/admin/clients/{client_id}/contacts-import", data=form, allow_redirects=False
    )
    return response.status, await response.text()


async def _count(admin: Admin, client_id: str) -> int:
    return int(
        await admin.scalar(
            select(func.count()).select_from(contacts).where(contacts.c.client_id == client_id)
        )
    )


async def test_a_supervisor_imports_contacts_in_russian(admin: Admin) -> None:
    await signed_in(admin, SUPERVISOR)  # reads Russian
    before = await _count(admin, "romashka")
    page = await admin.page("/admin/clients/romashka")
    assert "Загрузить контакты из CSV" in page and 'id="contacts-import-form"' in page

    status, page = await _upload(admin, "romashka", BAD)
    assert status == 400 and await _count(admin, "romashka") == before
    assert "Ничего не загружено: строк с ошибками — 3." in page
    assert "строка 3: Имя не заполнено." in page
    assert "«12» — не номер телефона" in page and "Руководитель «может быть»: напишите да или нет." in page
    assert "<li>строка 4: «Склад» — не объект этого клиента (Ромашка на Васильевском, " in page
    assert "maria@romashka.example есть и в строке 2.</li>" in page
    assert "строка 5: +79161234501 уже принадлежит контакту Anna Brown клиента ACME Logistics" in page

    status, page = await _upload(admin, "romashka", GOOD)
    assert status == 200, page
    assert "Контакты загружены: новых — 1, обновлено — 1." in page
    assert await _count(admin, "romashka") == before + 1
    async with admin.rt.uows() as uow:
        ivan = await uow.directory.get_contact("romashka-ivan")
        maria = await uow.directory.find_contact_by_email("maria@romashka.example")
    assert ivan is not None and (ivan.email, ivan.site_id, ivan.manager) == (
        "ivan@romashka.example",
        "rom-petrograd",
        False,
    )
    assert maria is not None and (maria.phone, maria.manager, maria.site_id) == (
        "+79215550001",
        True,
        "rom-nevsky",
    )
    events = await admin.scalar(
        select(func.count()).select_from(ticket_events).where(ticket_events.c.name == "contacts_imported")
    )
    audited = await admin.scalar(
        select(func.count()).select_from(admin_audit).where(admin_audit.c.action == "contacts.import")
    )
    assert (events, audited) == (1, 1)


async def test_english_words_and_who_may_import(admin: Admin) -> None:
    await signed_in(admin, ADMIN)  # reads English
    status, page = await _upload(admin, "acme", "name,phone\nBob,not a phone\n")
    assert status == 400
    assert "Nothing was imported: 1 bad line(s)." in page
    assert "line 2: &#39;not a phone&#39; is not a phone number; write it as +7 916 123-45-67." in page
    status, page = await _upload(admin, "acme", "name,phone\nBob,+7 916 000-00-09\n")
    assert status == 200 and "Contacts imported: 1 new, 0 updated." in page
    await admin.post("/admin/logout", {})
    await signed_in(admin, ENGINEER)
    before = await _count(admin, "acme")
    status, _ = await _upload(admin, "acme", "name,phone\nEve,+7 916 000-00-10\n")
    assert status == 403 and await _count(admin, "acme") == before


def test_the_cli_imports_all_or_nothing_in_either_language(demo_db: str, tmp_path: Path) -> None:
    run = CliRunner().invoke
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nOk,ok@acme.example\nNo,not-mail\n", encoding="utf-8")
    result = run(main, ["contacts", "import", "--client", "acme", "--lang", "ru", str(bad)])
    assert result.exit_code == 1
    assert "Ничего не загружено: строк с ошибками — 1." in result.output
    assert "строка 3: «not-mail» — не адрес почты; напишите его в виде name@company.ru." in result.output
    result = run(main, ["contacts", "import", "--client", "acme", str(bad)])
    assert "line 3: 'not-mail' is not a mail address; write it as name@company.ru." in result.output
    good = tmp_path / "good.csv"
    good.write_text("name,email,phone\nOk,ok@acme.example,\nAnna B.,,+7 916 123-45-01\n", encoding="utf-8")
    result = run(main, ["contacts", "import", "--client", "acme", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 created, 1 updated (0 moved from private clients)" in result.output
    missing = run(main, ["contacts", "import", "--client", "nobody", str(good)])
    assert missing.exit_code == 1 and "No client 'nobody'" in missing.output
