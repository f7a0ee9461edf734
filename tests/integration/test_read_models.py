"""The read models the admin and the REST API list from (`storage/read_models/`), on SQLite and PostgreSQL."""

from __future__ import annotations

from storage.read_models.articles import ArticleQuery
from storage.read_models.tickets import SlaFilter, TicketQuery
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import Seed
from ticket_core.enums import Priority, TicketStatus
from ticket_core.sla.escalation import EscalationRule

LADDER = (EscalationRule(1, 0.75, "engineer"), EscalationRule(2, 1.0, "supervisor"))


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
        found, total = await lists.page(TicketQuery(priority=Priority.P1), limit=10, offset=0)
        assert ([t.number for t in found], total) == ([1003, 1001], 2)
        found, total = await lists.page(
            TicketQuery(statuses=(TicketStatus.NEW,), client_id="acme"), limit=1, offset=0
        )
        assert ([t.number for t in found], total) == ([1001], 1)

        rows, total, after = await lists.listing(TicketQuery(site_id="hq"), LADDER, before=None, limit=1)
        assert [(r.ticket.number, r.client_name, r.site_name, r.sla) for r in rows] == [
            (1003, "ACME", "HQ", SlaFilter.DONE)
        ]
        assert (total, after) == (2, 1003)
        rows, _, after = await lists.listing(TicketQuery(site_id="hq"), LADDER, before=after, limit=1)
        assert [(r.ticket.number, r.sla) for r in rows] == [(1002, SlaFilter.OK)] and after is None

        # The admin's SLA filter needs the ladder; no alert was recorded, so every open ticket is on time.
        rows, total, _ = await lists.listing(TicketQuery(sla=SlaFilter.OK), LADDER, before=None, limit=10)
        assert [r.ticket.number for r in rows] == [1004, 1002, 1001] and total == 3
        assert await lists.open_sla_counts(LADDER) == {SlaFilter.AT_RISK: 0, SlaFilter.BREACHED: 0}
        assert await lists.counts_by_status() == {"new": 2, "accepted": 1, "closed": 1}


async def test_directory_lists_offer_clients_and_sites_with_their_counts(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    await _tickets(acme, seed)
    async with acme() as uow:
        lists = uow.directory_lists
        assert [(c.id, c.name) for c in await lists.client_choices()] == [
            ("acme", "ACME"),
            ("nordlog", "NORDLOG"),
        ]
        assert [(s.id, s.detail) for s in await lists.site_choices("acme")] == [("hq", "ACME")]
        assert await lists.site_choices("nordlog") == []
        clients, total = await lists.clients_page(limit=1, offset=1)
        assert ([c.id for c in clients], total) == (["nordlog"], 2)
        summaries = await lists.client_summaries(["acme", "nordlog"])
        assert summaries == {
            "acme": {"sites": 1, "contracts": 0, "open": 2},
            "nordlog": {"sites": 0, "contracts": 0, "open": 1},
        }
        assert await lists.contracts_of("acme") == []


async def test_article_lists_are_empty_without_articles(acme: UnitOfWorkFactory) -> None:
    async with acme() as uow:
        assert await uow.article_lists.page(ArticleQuery(text="printer"), limit=10, offset=0) == ([], 0)
        assert await uow.article_lists.facets() == ([], [])
        assert await uow.article_lists.counts_by_status() == {}
