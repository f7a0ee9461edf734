"""Searches people type find words in any case, in Russian as in English, on SQLite and PostgreSQL: the
portal's ticket search, the admin's article list and its equipment list (storage.text_match). SQLite's own
LOWER() and LIKE fold ASCII letters only, so "принтер" did not find "Принтер" there."""

from __future__ import annotations

from kb_search.model import Article
from kb_search.ports import ArticleQuery
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW, Seed
from tests.support.portal import contact_actor
from ticket_core.enums import Role
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.model import Actor, Contact, TicketQuery
from ticket_core.usecases.client_view import list_client_tickets

MANAGER = Contact("c-boss", "acme", "Борис", None, "ru", manager=True)
ADMIN = Actor(Role.ADMIN, "admin", name="Admin")
CSV = """site,type,name,model,serial,inventory_no,installed_on,warranty_until,location,status,photos
hq,ac,Кондиционер в ЗАЛЕ,Daikin FTXB35C,SN-1,ИНВ-7,2024-05-01,2027-05-01,,,
hq,ac,Hall AC,Daikin,SN-2,INV-2,2024-05-01,2027-05-01,,,
"""


async def test_the_portal_finds_tickets_by_russian_words_in_any_case(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    async with acme() as uow:
        await uow.directory.add_contact(MANAGER)
        await uow.tickets.add(seed.ticket(1, contact_id="c-boss", description="Принтер ЗАЖЁВЫВАЕТ бумагу"))
        await uow.tickets.add(
            seed.ticket(2, contact_id="c-boss", description="Ёлка у входа: ГИРЛЯНДА не горит")
        )
        await uow.tickets.add(seed.ticket(3, contact_id="c-boss", description="Printer jams"))
        await uow.commit()

    async def numbers(text: str) -> list[int]:
        async with acme() as uow:
            found = await list_client_tickets(uow, contact_actor(MANAGER), TicketQuery(text=text))
        return [t.number for t in found]

    assert await numbers("принтер") == [1]
    assert await numbers("ПРИНТЕР зажёвывает") == [1]
    assert await numbers("ёлка") == [2]
    assert await numbers("гирлянда НЕ") == [2]
    assert await numbers("PRINTER") == [3]
    assert await numbers("%") == []  # still a character, not a wildcard


async def test_admin_lists_find_articles_and_equipment_in_any_case(acme: UnitOfWorkFactory) -> None:
    async with acme() as uow:
        await uow.articles.upsert(
            Article("printer-jam", "Принтер зажевал бумагу", "Откройте ЛОТОК 2."), "admin"
        )
        await uow.articles.upsert(
            Article("vpn", "VPN does not connect", "Restart the client.", lang="en"), "admin"
        )
        await eq.save_type(uow, ADMIN, EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac"), NOW)
        await eq.import_units(uow, ADMIN, CSV, NOW)
        await uow.commit()
    async with acme() as uow:
        for text in ("ПРИНТЕР", "лоток", "принтер ЗАЖЕВАЛ"):
            rows, total = await uow.article_lists.page(ArticleQuery(text=text), limit=10, offset=0)
            assert ([r.id for r in rows], total) == (["printer-jam"], 1), text
        rows, total = await uow.article_lists.page(ArticleQuery(text="vpn"), limit=10, offset=0)
        assert [r.id for r in rows] == ["vpn"]
        for text in ("кондиционер в зале", "инв-7"):
            assert [u.name for u in await uow.equipment.find(UnitFilter(text=text))] == [
                "Кондиционер в ЗАЛЕ"
            ], text
        assert [u.name for u in await uow.equipment.find(UnitFilter(text="hall ac"))] == ["Hall AC"]
