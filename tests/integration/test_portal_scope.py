"""The client portal's reads on every implementation of the ports (memory, SQLite, PostgreSQL): which tickets a
contact sees (a manager every site's, others their own site's and their own), the list's filters and pages, a
ticket's history for the client (never an internal note), and the same refusal for another client's ticket as
for a missing one. Storage of sign-in links and portal sessions on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW, Seed
from tests.support.portal import contact_actor
from ticket_core import usecases as uc
from ticket_core.enums import Role, TicketStatus, Visibility
from ticket_core.errors import Forbidden, NotFound
from ticket_core.model import Actor, Contact, TicketQuery
from ticket_core.usecases.client_view import list_client_tickets, ticket_history

MANAGER = Contact("c-boss", "acme", "Boss", None, "en", manager=True)
AT_HQ = Contact("c-hq", "acme", "Hanna", None, "en", site_id="hq")
NO_SITE = Contact("c-anna", "acme", "Anna", "+70000000001", "ru")
OTHER = Contact("c-beta", "beta", "Bert", None, "en", manager=True)
ENGINEER = Actor(Role.ENGINEER, "e-1", name="Egor")


@pytest.fixture
def uow_factory(port_uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """Contracts of ticket_core's ports: memory and SQL alike."""
    return port_uows


async def _directory(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    async with uow_factory() as uow:
        await uow.directory.add_client(seed.client("acme"))
        await uow.directory.add_client(seed.client("beta"))
        await uow.directory.add_site(seed.site("hq"))
        await uow.directory.add_site(replace(seed.site("wh"), name="Warehouse"))
        await uow.directory.add_site(seed.site("b-1", "beta"))
        for contact in (MANAGER, AT_HQ, NO_SITE, OTHER):
            await uow.directory.add_contact(contact)
        # 1: at hq by the manager; 2: at the warehouse by Anna; 3: at the warehouse by the manager, resolved;
        # 4: beta's, searchable by the same words.
        await uow.tickets.add(seed.ticket(1, contact_id="c-boss", site_id="hq", description="Printer jams"))
        await uow.tickets.add(seed.ticket(2, contact_id="c-anna", site_id="wh", description="Door 50% open"))
        await uow.tickets.add(
            seed.ticket(
                3,
                contact_id="c-boss",
                site_id="wh",
                description="PRINTER toner",
                status=TicketStatus.RESOLVED,
            )
        )
        await uow.tickets.add(seed.ticket(4, client_id="beta", contact_id="c-beta", site_id="b-1"))
        await uow.commit()


async def _numbers(uow_factory: UnitOfWorkFactory, contact: Contact, **query: object) -> list[int]:
    async with uow_factory() as uow:
        found = await list_client_tickets(uow, contact_actor(contact), TicketQuery(**query))  # type: ignore[arg-type]
    return [t.number for t in found]


async def test_who_sees_which_tickets(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    await _directory(uow_factory, seed)
    assert await _numbers(uow_factory, MANAGER) == [3, 2, 1]
    assert await _numbers(uow_factory, AT_HQ) == [1]  # their site's, opened by someone else
    assert await _numbers(uow_factory, NO_SITE) == [2]  # only what they opened
    assert await _numbers(uow_factory, OTHER) == [4]


async def test_filters_search_and_pages(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    await _directory(uow_factory, seed)
    assert await _numbers(uow_factory, MANAGER, statuses=(TicketStatus.NEW,)) == [2, 1]
    assert await _numbers(uow_factory, MANAGER, site_id="wh") == [3, 2]
    assert await _numbers(uow_factory, MANAGER, site_id="b-1") == []  # another client's site: nothing
    assert await _numbers(uow_factory, MANAGER, text="printer") == [3, 1]  # any case
    assert await _numbers(uow_factory, MANAGER, text="HD-2") == [2]
    assert await _numbers(uow_factory, MANAGER, text="50%") == [2]  # % is a character, not a wildcard
    assert await _numbers(uow_factory, MANAGER, text="5_%") == []
    assert await _numbers(uow_factory, MANAGER, limit=2) == [3, 2]
    assert await _numbers(uow_factory, MANAGER, limit=2, before=2) == [1]


async def test_history_is_what_the_client_hears(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    await _directory(uow_factory, seed)
    async with uow_factory() as uow:
        await uow.directory.add_staff(replace(seed.engineer("e-1"), name="Egor"))
        ticket = await uow.tickets.get_by_number(1)
        assert ticket is not None
        await uc.add_comment(uow, ENGINEER, ticket.id, NOW, "On my way with a new roller")
        await uc.add_comment(
            uow, ENGINEER, ticket.id, NOW + timedelta(seconds=1), "secret", Visibility.INTERNAL
        )
        await uow.commit()
    async with uow_factory() as uow:
        history = await ticket_history(uow, contact_actor(AT_HQ), 1)
    texts = [e.text for e in history.entries]
    assert "On my way with a new roller" in texts
    assert "secret" not in texts
    assert [e.who for e in history.entries if e.kind == "comment"] == ["Egor"]


@pytest.mark.parametrize("who", [NO_SITE, OTHER])
async def test_a_ticket_out_of_scope_is_refused_as_a_missing_one(
    uow_factory: UnitOfWorkFactory, seed: Seed, who: Contact
) -> None:
    await _directory(uow_factory, seed)
    actor = contact_actor(who)
    async with uow_factory() as uow:
        with pytest.raises(NotFound) as hidden:
            await ticket_history(uow, actor, 1)
        with pytest.raises(NotFound) as missing:
            await ticket_history(uow, actor, 999)
        with pytest.raises(NotFound):
            await uc.add_comment(uow, actor, "t-1", NOW, "let me in")
    assert str(hidden.value).replace("HD-1", "HD-N") == str(missing.value).replace("HD-999", "HD-N")


async def test_a_contact_opens_requests_only_at_their_own_site(
    uow_factory: UnitOfWorkFactory, seed: Seed
) -> None:
    await _directory(uow_factory, seed)
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uc.open_ticket(
                uow, contact_actor(AT_HQ), uc.TicketDraft("acme", "it", "Lamp", site_id="wh"), NOW
            )
        ticket = await uc.open_ticket(uow, contact_actor(AT_HQ), uc.TicketDraft("acme", "it", "Lamp"), NOW)
        assert ticket.site_id == "hq"
        managed = await uc.open_ticket(
            uow, contact_actor(MANAGER), uc.TicketDraft("acme", "it", "Lamp", site_id="wh"), NOW
        )
        assert managed.site_id == "wh"


async def test_only_contacts_list_tickets(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(Forbidden):
            await list_client_tickets(uow, ENGINEER, TicketQuery())


async def test_contacts_keep_their_portal_scope(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    await _directory(uow_factory, seed)
    async with uow_factory() as uow:
        assert await uow.directory.get_contact("c-boss") == MANAGER
        assert await uow.directory.get_contact("c-hq") == AT_HQ
        await uow.directory.update_contact(replace(NO_SITE, manager=True, site_id="wh"))
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.directory.get_contact("c-anna")
    assert stored is not None and stored.manager and stored.site_id == "wh"


async def test_followers_of_a_ticket(uow_factory: UnitOfWorkFactory, seed: Seed) -> None:
    await _directory(uow_factory, seed)
    async with uow_factory() as uow:
        assert await uow.tickets.add_follower("t-1", "c-hq", NOW)
        assert not await uow.tickets.add_follower("t-1", "c-hq", NOW)
        assert await uow.tickets.add_follower("t-1", "c-anna", NOW + timedelta(seconds=1))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.tickets.followers("t-1") == ["c-hq", "c-anna"]
        assert await uow.tickets.followers("t-2") == []
        assert await uow.tickets.remove_follower("t-1", "c-hq")
        assert not await uow.tickets.remove_follower("t-1", "c-hq")
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.tickets.followers("t-1") == ["c-anna"]
