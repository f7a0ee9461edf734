"""`SqlDirectoryLists`: clients and sites as the admin's filters offer them, the clients page with its
counts, a client's contracts, and the categories and regions an engineer form suggests."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories.directory import contract_from_row
from storage.tables import clients, contracts, sites, tickets
from ticket_core.enums import OPEN_STATUSES
from ticket_core.lists import CHOICES_MAX, Choice
from ticket_core.model import Client, Contract


class SqlDirectoryLists:
    """Implements `ticket_core.ports.DirectoryLists` on a unit's session; read-only."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def client_choices(self) -> list[Choice]:
        """Every client, by name."""
        rows = await self.session.execute(
            select(clients.c.id, clients.c.name).order_by(clients.c.name).limit(CHOICES_MAX)
        )
        return [Choice(str(r.id), str(r.name)) for r in rows]

    async def site_choices(self, client_id: str | None = None) -> list[Choice]:
        """Every site (of one client when given), by name, with its client's name."""
        query = (
            select(sites.c.id, sites.c.name, clients.c.name.label("client"))
            .join(clients, clients.c.id == sites.c.client_id)
            .order_by(sites.c.name)
            .limit(CHOICES_MAX)
        )
        if client_id:
            query = query.where(sites.c.client_id == client_id)
        return [Choice(str(r.id), str(r.name), str(r.client)) for r in await self.session.execute(query)]

    async def clients_page(self, *, limit: int, offset: int) -> tuple[list[Client], int]:
        """One page of clients by id, and how many there are."""
        page = select(clients).order_by(clients.c.id).limit(limit).offset(offset)
        rows = (await self.session.execute(page)).mappings().all()
        count = int((await self.session.execute(select(func.count()).select_from(clients))).scalar() or 0)
        return [Client(r["id"], r["name"], r["kind"], r["created_at"]) for r in rows], count

    async def client_summaries(self, ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Per client on a page: sites, active contracts and open tickets, in three grouped queries."""
        result: dict[str, dict[str, int]] = {i: {"sites": 0, "contracts": 0, "open": 0} for i in ids}
        if not ids:
            return result
        specs = (
            (
                "sites",
                select(sites.c.client_id, func.count())
                .where(sites.c.client_id.in_(ids))
                .group_by(sites.c.client_id),
            ),
            (
                "contracts",
                select(contracts.c.client_id, func.count())
                .where(contracts.c.client_id.in_(ids), contracts.c.active.is_(True))
                .group_by(contracts.c.client_id),
            ),
            (
                "open",
                select(tickets.c.client_id, func.count())
                .where(tickets.c.client_id.in_(ids), tickets.c.status.in_([str(s) for s in OPEN_STATUSES]))
                .group_by(tickets.c.client_id),
            ),
        )
        for key, query in specs:
            for row in await self.session.execute(query):
                result[row[0]][key] = int(row[1])
        return result

    async def contracts_of(self, client_id: str) -> list[Contract]:
        """Every contract of a client (active or not), by id."""
        query = select(contracts).where(contracts.c.client_id == client_id).order_by(contracts.c.id)
        return [contract_from_row(r) for r in (await self.session.execute(query)).mappings()]

    async def categories_and_regions(self) -> tuple[set[str], set[str]]:
        """The categories the contracts cover and the regions of the sites, to suggest in the engineer form."""
        categories: set[str] = set()
        for row in await self.session.execute(select(contracts.c.categories)):
            categories.update(str(c) for c in row[0] or ())
        regions = await self.session.execute(
            select(sites.c.region).where(sites.c.region.is_not(None)).distinct()
        )
        return categories, {str(r) for r in regions.scalars().all()}
