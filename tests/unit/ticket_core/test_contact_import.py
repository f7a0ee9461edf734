"""Importing a client's contacts from CSV: every bad line named, all or nothing, people matched by address or
phone across channels, audited; the problems said in Russian too."""

from __future__ import annotations

import dataclasses

import pytest

from dialogue.refusals import refusal_text
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.unit.ticket_core.conftest import NOW, SUPERVISOR, engineer
from ticket_core import contacts_csv
from ticket_core.errors import Forbidden, NotFound
from ticket_core.events import EVENT_TYPES, ContactsImported
from ticket_core.model import Client, Contact, Site
from ticket_core.usecases.contact_import import ContactImportRejected, import_contacts

GOOD = """name,email,phone,manager,site,lang
Anna Smith,Anna@Acme.example,,yes,,en
Пётр Сидоров,,8 916 555-44-33,нет,hq,ru
Zoe,zoe@acme.example,+7 903 000-11-22,,acme-hq,
"""


def test_parse_reads_russian_headers_semicolons_and_a_bom() -> None:
    rows, errors = contacts_csv.parse(
        "\ufeffИмя;Почта;Телефон;Руководитель\nИван;IVAN@x.ru;+7 916 1234567;да\n"
    )
    assert errors == []
    [row] = rows
    assert (row.line, row.name, row.email, row.phone, row.manager) == (
        2,
        "Иван",
        "ivan@x.ru",
        "+79161234567",
        True,
    )


def test_parse_names_every_bad_line_and_all_its_problems() -> None:
    text = "name,email,phone,manager,lang\n,not-mail,12,maybe,de\nOk,ok@x.ru,,,\nNo way to find\n\nOnly,,,,\n"
    rows, errors = contacts_csv.parse(text)
    assert [r.name for r in rows] == ["Ok"]
    assert [e.line for e in errors] == [2, 4, 6]
    assert [p.template for p in errors[0].problems] == [
        "The name is empty.",
        "'{address}' is not a mail address; write it as name@company.ru.",
        "'{phone}' is not a phone number; write it as +7 916 123-45-67.",
        "Manager '{value}': write yes or no.",
        "Language '{value}': write ru or en.",
    ]
    assert str(errors[1]) == "line 4: 1 values for 5 columns."
    assert str(errors[2]) == "line 6: Give a mail address or a phone: that is how the person is found."


def test_a_bad_header_is_line_one() -> None:
    _, errors = contacts_csv.parse("email,position,email\nx@y.ru,boss,z@y.ru\n")
    [error] = errors
    assert error.line == 1
    assert [p.template for p in error.problems] == [
        "The file has no name column; the first line must name the columns.",
        "Unknown column(s): {columns}. The columns are: {known}.",
        "Column(s) given twice: {columns}.",
    ]


async def test_import_creates_and_updates_and_is_audited(uows: MemoryUnitOfWorkFactory) -> None:
    # Anna is known by phone; the file gives her address, so she is updated, not made twice.
    text = GOOD + "Anna Brown,,+7 000 000-00-01,,,\n"
    async with uows() as uow:
        result = await import_contacts(uow, SUPERVISOR, "acme", text, NOW)
        await uow.commit()
    assert (result.created, result.updated, result.adopted) == (3, 1, 0)
    by_name = {c.name: c for c in uows.state.contacts.values() if c.client_id == "acme"}
    assert by_name["Anna Smith"].email == "anna@acme.example"
    assert (by_name["Anna Smith"].manager, by_name["Anna Smith"].lang) == (True, "en")
    assert (by_name["Пётр Сидоров"].phone, by_name["Пётр Сидоров"].site_id) == ("+79165554433", "acme-hq")
    assert by_name["Zoe"].site_id == "acme-hq"
    assert by_name["Anna Brown"].id == "c-anna"  # the known contact, renamed
    [event] = [e for e in uows.state.events if e["name"] == "contacts_imported"]
    assert event["data"]["client_id"] == "acme"
    assert (event["data"]["created"], event["data"]["updated"]) == (3, 1)
    assert "c-anna" in event["data"]["contact_ids"]
    assert event["actor"]["id"] == SUPERVISOR.id
    assert EVENT_TYPES["contacts_imported"] is ContactsImported


async def test_an_empty_cell_keeps_the_known_value_and_a_second_import_changes_nothing(
    uows: MemoryUnitOfWorkFactory,
) -> None:
    uows.state.contacts["c-anna"].email = "anna@acme.example"
    uows.state.contacts["c-anna"].manager = True
    async with uows() as uow:
        first = await import_contacts(uow, SUPERVISOR, "acme", "name,email\nAnna,anna@acme.example\n", NOW)
        again = await import_contacts(uow, SUPERVISOR, "acme", "name,email\nAnna,anna@acme.example\n", NOW)
        await uow.commit()
    assert (first.updated, again.updated, again.created) == (0, 0, 0)
    anna = uows.state.contacts["c-anna"]
    assert (anna.phone, anna.manager) == ("+70000000001", True)


async def test_any_bad_line_imports_nothing_and_every_one_is_named(uows: MemoryUnitOfWorkFactory) -> None:
    uows.state.contacts["c-oleg"].email = "oleg@romashka.example"
    uows.state.contacts["c-anna"].email = "anna@acme.example"
    before = {k: dataclasses.replace(v) for k, v in uows.state.contacts.items()}
    text = (
        "name,email,phone,site\n"
        "Good,good@acme.example,,\n"  # 2: fine on its own
        "Dup,good@acme.example,,\n"  # 3: the address again
        "Oleg,,+7 000 000-00-02,\n"  # 4: another company's contact, by phone
        "Mixed,oleg@romashka.example,+7 000 000-00-01,\n"  # 5: Oleg's address, Anna's phone
        "Newbie,new@acme.example,,Warehouse\n"  # 6: no such site
        "Anna,anna@acme.example,,\n"  # 7: fine on its own: Anna by her address
        "Anna again,,+7 000 000-00-01,\n"  # 8: Anna by phone again
    )
    async with uows() as uow:
        with pytest.raises(ContactImportRejected) as caught:
            await import_contacts(uow, SUPERVISOR, "acme", text, NOW)
        await uow.commit()
    errors = caught.value.errors
    assert [e.line for e in errors] == [3, 4, 5, 6, 8]
    assert str(errors[0]) == "line 3: good@acme.example is also on line 2."
    assert str(errors[1]) == (
        "line 4: +70000000002 is already Oleg's, a contact of Romashka; a person is the contact of one client."
    )
    assert "two different people" in str(errors[2])
    assert str(errors[3]) == "line 6: 'Warehouse' is not one of the client's sites (HQ)."
    assert str(errors[4]) == "line 8: +70000000001 is also on line 5. This is Anna, as on line 7."
    assert uows.state.contacts == before
    assert uows.state.events == []
    assert str(caught.value) == "Nothing was imported: 5 bad line(s). Fix them and import the file again."


async def test_every_problem_is_said_in_russian(uows: MemoryUnitOfWorkFactory) -> None:
    text = "name,email,phone,manager,site,lang\n,bad,1,maybe,nowhere,de\nX,,+7 000 000-00-02,,,\nX,,,,,\n"
    async with uows() as uow:
        with pytest.raises(ContactImportRejected) as caught:
            await import_contacts(uow, SUPERVISOR, "acme", text, NOW)
    problems = [p for e in caught.value.errors for p in e.problems]
    assert len(problems) == 7
    russian = [refusal_text(p, "ru") for p in problems]
    assert None not in russian, [p.template for p, r in zip(problems, russian, strict=True) if r is None]
    assert "Имя не заполнено." in russian
    assert refusal_text(caught.value, "ru") == (
        "Ничего не загружено: строк с ошибками — 3. Исправьте их и загрузите файл снова."
    )


async def test_a_person_the_bot_registered_moves_to_the_company(uows: MemoryUnitOfWorkFactory) -> None:
    """Someone who wrote from WhatsApp before their company listed them: the same contact, now the company's."""
    uows.state.clients["ind-1"] = Client("ind-1", "Пётр", "individual")
    uows.state.contacts["ct-wa"] = Contact("ct-wa", "ind-1", "Пётр", "+79165554433")
    async with uows() as uow:
        result = await import_contacts(
            uow, SUPERVISOR, "acme", "name,phone,site\nПётр Сидоров,89165554433,HQ\n", NOW
        )
        await uow.commit()
    assert (result.created, result.updated, result.adopted) == (0, 1, 1)
    moved = uows.state.contacts["ct-wa"]
    assert (moved.client_id, moved.name, moved.site_id) == ("acme", "Пётр Сидоров", "acme-hq")
    [event] = [e for e in uows.state.events if e["name"] == "contacts_imported"]
    assert event["data"]["adopted"] == ["ct-wa"]


async def test_site_names_must_be_unique_to_be_used(uows: MemoryUnitOfWorkFactory) -> None:
    uows.state.sites["acme-hq2"] = Site("acme-hq2", "acme", "hq", "Tverskaya 2", 55.7, 37.6)
    async with uows() as uow:
        with pytest.raises(ContactImportRejected) as caught:
            await import_contacts(uow, SUPERVISOR, "acme", "name,phone,site\nA,+79160000001,HQ\n", NOW)
    assert "write the site's id (acme-hq, acme-hq2)" in str(caught.value.errors[0])


async def test_who_may_import_and_into_which_client(uows: MemoryUnitOfWorkFactory) -> None:
    async with uows() as uow:
        with pytest.raises(Forbidden):
            await import_contacts(uow, engineer("e-near"), "acme", GOOD, NOW)
        with pytest.raises(NotFound):
            await import_contacts(uow, SUPERVISOR, "nobody", GOOD, NOW)
        with pytest.raises(ContactImportRejected, match="1 bad line"):
            await import_contacts(uow, SUPERVISOR, "acme", "name,email\n\n", NOW)
    assert uows.state.events == []
