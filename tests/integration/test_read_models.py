"""The read models the admin and the REST API list from (`ticket_core.ports.TicketLists`, `DirectoryLists`,
`kb_search.ports.ArticleLists`): one contract, held by memory (the unit tests'), SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from kb_search.model import Article, ArticleStatus
from kb_search.ports import ArticleQuery
from storage.uow import UnitOfWorkFactory
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory, SlaMemoryUnitOfWorkFactory
from tests.integration.conftest import NOW, Seed
from ticket_core.enums import Priority, TicketStatus
from ticket_core.lists import SlaFilter, TicketFilter
from ticket_core.model import Contract
from ticket_core.sla.clock import SlaKind
from ticket_core.sla.config import DEFAULT_CONFIG
from ticket_core.sla.escalation import EscalationRule

LADDER = (EscalationRule(1, 0.75, "engineer"), EscalationRule(2, 1.0, "supervisor"))


@pytest.fixture
def uow_factory(port_uows: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """Every implementation, with SLA tracking on so that alerts can be recorded."""
    if isinstance(port_uows, MemoryUnitOfWorkFactory):
        return SlaMemoryUnitOfWorkFactory(port_uows.state)  # type: ignore[return-value]  # same ports
    return UnitOfWorkFactory(port_uows.sessionmaker, sla_config=DEFAULT_CONFIG)


async def _tickets(units: UnitOfWorkFactory, seed: Seed) -> None:
    async with units() as uow:
        await uow.directory.add_client(seed.client("nordlog"))
        for ticket in (
            seed.ticket(1001, priority=Priority.P1),
            seed.ticket(1002, status=TicketStatus.ACCEPTED, assignee_id="e-1", site_id="hq"),
            seed.ticket(1003, priority=Priority.P1, status=TicketStatus.CLOSED, site_id="hq"),
            seed.ticket(1004, client_id="nordlog", contact_id=None),
        ):
            await uow.tickets.add(ticket)
        await uow.commit()


async def test_one_ticket_filter_serves_the_api_page_and_the_admin_listing(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    await _tickets(acme, seed)
    async with acme() as uow:
        lists = uow.ticket_lists
        found, total = await lists.page(TicketFilter(priority=Priority.P1), limit=10, offset=0)
        assert ([t.number for t in found], total) == ([1003, 1001], 2)
        found, total = await lists.page(
            TicketFilter(statuses=(TicketStatus.NEW,), client_id="acme"), limit=1, offset=0
        )
        assert ([t.number for t in found], total) == ([1001], 1)
        found, total = await lists.page(TicketFilter(), limit=2, offset=3)
        assert ([t.number for t in found], total) == ([1001], 4)
        found, total = await lists.page(TicketFilter(assignee_id="e-1"), limit=5, offset=0)
        assert ([t.number for t in found], total) == ([1002], 1)

        rows, total, after = await lists.listing(TicketFilter(site_id="hq"), LADDER, before=None, limit=1)
        assert [(r.ticket.number, r.client_name, r.site_name, r.sla) for r in rows] == [
            (1003, "ACME", "HQ", SlaFilter.DONE)
        ]
        assert (total, after) == (2, 1003)
        rows, _, after = await lists.listing(TicketFilter(site_id="hq"), LADDER, before=after, limit=1)
        assert [(r.ticket.number, r.sla) for r in rows] == [(1002, SlaFilter.OK)] and after is None
        rows, _, _ = await lists.listing(TicketFilter(client_id="nordlog"), LADDER, before=None, limit=5)
        assert [(r.ticket.number, r.client_name, r.site_name) for r in rows] == [(1004, "NORDLOG", None)]

        # The admin's SLA filter needs the ladder; no alert was recorded, so every open ticket is on time.
        rows, total, _ = await lists.listing(TicketFilter(sla=SlaFilter.OK), LADDER, before=None, limit=10)
        assert [r.ticket.number for r in rows] == [1004, 1002, 1001] and total == 3
        assert await lists.open_sla_counts(LADDER) == {SlaFilter.AT_RISK: 0, SlaFilter.BREACHED: 0}
        assert await lists.counts_by_status() == {"new": 2, "accepted": 1, "closed": 1}


async def test_recorded_alerts_set_the_sla_state_and_the_sla_filter(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    await _tickets(acme, seed)
    async with acme() as uow:
        assert uow.sla is not None
        await uow.sla.add_alert("t-1001", SlaKind.RESPONSE, 1, "engineer", NOW)  # at risk
        await uow.sla.add_alert("t-1002", SlaKind.RESOLUTION, 1, "engineer", NOW)
        await uow.sla.add_alert("t-1002", SlaKind.RESOLUTION, 2, "supervisor", NOW)  # breached
        await uow.sla.add_alert("t-1003", SlaKind.RESOLUTION, 2, "supervisor", NOW)  # closed since: done
        await uow.commit()
    async with acme() as uow:
        lists = uow.ticket_lists
        rows, _, _ = await lists.listing(TicketFilter(), LADDER, before=None, limit=10)
        assert [(r.ticket.number, r.sla) for r in rows] == [
            (1004, SlaFilter.OK),
            (1003, SlaFilter.DONE),
            (1002, SlaFilter.BREACHED),
            (1001, SlaFilter.AT_RISK),
        ]
        for state, numbers in (
            (SlaFilter.OK, [1004]),
            (SlaFilter.AT_RISK, [1001]),
            (SlaFilter.BREACHED, [1002]),
            (SlaFilter.DONE, [1003]),
        ):
            rows, total, _ = await lists.listing(TicketFilter(sla=state), LADDER, before=None, limit=10)
            assert ([r.ticket.number for r in rows], total) == (numbers, len(numbers)), state
        assert await lists.open_sla_counts(LADDER) == {SlaFilter.AT_RISK: 1, SlaFilter.BREACHED: 1}
        found, _ = await lists.page(TicketFilter(), limit=10, offset=0)
        states = await lists.sla_states(found, LADDER)
        assert states == {
            "t-1004": SlaFilter.OK,
            "t-1003": SlaFilter.DONE,
            "t-1002": SlaFilter.BREACHED,
            "t-1001": SlaFilter.AT_RISK,
        }


async def test_directory_lists_offer_clients_and_sites_with_their_counts(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    await _tickets(acme, seed)
    async with acme() as uow:
        await uow.directory.add_contract(Contract("k-2", "acme", "Old", ("it",), active=False))
        await uow.directory.add_contract(Contract("k-1", "acme", "Main", ("it", "hvac"), ("e-1",)))
        site = seed.site("wh", client_id="nordlog")
        site.region = "MOW"
        await uow.directory.add_site(site)
        await uow.commit()
    async with acme() as uow:
        lists = uow.directory_lists
        assert [(c.id, c.name) for c in await lists.client_choices()] == [
            ("acme", "ACME"),
            ("nordlog", "NORDLOG"),
        ]
        assert [(s.id, s.detail) for s in await lists.site_choices("acme")] == [("hq", "ACME")]
        assert [(s.id, s.detail) for s in await lists.site_choices()] == [("hq", "ACME"), ("wh", "NORDLOG")]
        assert await lists.site_choices("nobody") == []
        clients, total = await lists.clients_page(limit=1, offset=1)
        assert ([c.id for c in clients], total) == (["nordlog"], 2)
        summaries = await lists.client_summaries(["acme", "nordlog"])
        assert summaries == {
            "acme": {"sites": 1, "contracts": 1, "open": 2},
            "nordlog": {"sites": 1, "contracts": 0, "open": 1},
        }
        contracts = await lists.contracts_of("acme")
        assert [(k.id, k.name, k.categories, k.preferred_engineers, k.active) for k in contracts] == [
            ("k-1", "Main", ("it", "hvac"), ("e-1",), True),
            ("k-2", "Old", ("it",), (), False),
        ]
        assert await lists.contracts_of("nordlog") == []
        assert await lists.categories_and_regions() == ({"it", "hvac"}, {"MOW"})


async def test_article_lists_are_empty_without_articles(acme: UnitOfWorkFactory) -> None:
    async with acme() as uow:
        assert await uow.article_lists.page(ArticleQuery(text="printer"), limit=10, offset=0) == ([], 0)
        assert await uow.article_lists.facets() == ([], [])
        assert await uow.article_lists.counts_by_status() == {}


async def test_article_lists_filter_page_and_count_live_articles(acme: UnitOfWorkFactory) -> None:
    async with acme() as uow:
        for article in (
            Article("kb-a", "Printer jams", "Open the tray", lang="en", tags=("print",)),
            Article("kb-b", "Принтер", "Замялась бумага: PRINTER 100%", lang="ru", audience="internal"),
            Article("kb-c", "VPN", "Reconnect", lang="en", status=ArticleStatus.DRAFT),
            Article("kb-d", "Printer gone", "Deleted", lang="en"),
        ):
            await uow.articles.upsert(article, "anna")
        await uow.articles.delete("kb-d", "anna")
        await uow.commit()
    async with acme() as uow:
        lists = uow.article_lists
        rows, total = await lists.page(ArticleQuery(text="printer"), limit=10, offset=0)
        assert ([r.id for r in rows], total) == (["kb-a", "kb-b"], 2)
        assert (rows[0].title, rows[0].tags, rows[0].status, rows[0].version, rows[0].updated_by) == (
            "Printer jams",
            ("print",),
            "published",
            1,
            "anna",
        )
        rows, total = await lists.page(ArticleQuery(text="пРИНТЕР"), limit=10, offset=0)
        assert [r.id for r in rows] == ["kb-b"]  # Cyrillic case folds too
        rows, total = await lists.page(ArticleQuery(text="100%"), limit=10, offset=0)
        assert [r.id for r in rows] == ["kb-b"]
        rows, total = await lists.page(ArticleQuery(text="_"), limit=10, offset=0)
        assert (rows, total) == ([], 0)  # LIKE's wildcards are plain characters
        rows, total = await lists.page(ArticleQuery(lang="en"), limit=1, offset=1)
        assert ([r.id for r in rows], total) == (["kb-c"], 2)
        rows, total = await lists.page(
            ArticleQuery(audience="internal", status="published"), limit=5, offset=0
        )
        assert ([r.id for r in rows], total) == (["kb-b"], 1)
        assert await lists.page(ArticleQuery(), limit=5, offset=10) == ([], 3)
        assert await lists.facets() == (["en", "ru"], ["internal", "public"])
        assert await lists.counts_by_status() == {"published": 2, "draft": 1}
