"""The read models (`ticket_core.ports.TicketLists`, `DirectoryLists`, `kb_search.ports.ArticleLists`) in
memory, over a memory unit's working state; held to the same contract as SQL (`tests/integration/
test_read_models.py` runs on memory, SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from kb_search.ports import ArticleQuery, ArticleRow
from ticket_core.enums import OPEN_STATUSES
from ticket_core.lists import (
    CHOICES_MAX,
    Choice,
    SlaFilter,
    TicketFilter,
    TicketRow,
    breach_levels,
    sla_state,
)
from ticket_core.model import Client, Contract, Ticket
from ticket_core.sla.escalation import EscalationRule

if TYPE_CHECKING:
    from tests.fakes.memory_uow import MemoryState
    from tests.unit.kb_search.fakes import MemoryArticleRepository


class MemoryTicketLists:
    """`TicketLists` over a memory state; `alerts()` gives each ticket's recorded SLA alert levels."""

    def __init__(
        self, state: Callable[[], MemoryState], alerts: Callable[[], Mapping[str, set[int]]]
    ) -> None:
        self._state = state
        self._alerts = alerts

    def _matching(self, where: TicketFilter, ladder: Sequence[EscalationRule] = ()) -> list[Ticket]:
        warn, breach = breach_levels(ladder)
        alerts = self._alerts()

        def matches(t: Ticket) -> bool:
            if where.statuses and t.status not in where.statuses:
                return False
            for wanted, value in (
                (where.client_id, t.client_id),
                (where.site_id, t.site_id),
                (where.assignee_id, t.assignee_id),
                (where.priority, t.priority),
            ):
                if wanted is not None and wanted != value:
                    return False
            if where.sla is None:
                return True
            is_open = t.status in OPEN_STATUSES
            levels = alerts.get(t.id, set())
            if where.sla is SlaFilter.DONE:
                return not is_open
            if where.sla is SlaFilter.BREACHED:
                return is_open and bool(levels & set(breach))
            if where.sla is SlaFilter.AT_RISK:
                return is_open and bool(levels & set(warn)) and not levels & set(breach)
            return is_open and not levels & {*warn, *breach}

        found = [t for t in self._state().tickets.values() if matches(t)]
        return [copy.deepcopy(t) for t in sorted(found, key=lambda t: t.number, reverse=True)]

    async def page(self, where: TicketFilter, *, limit: int, offset: int) -> tuple[list[Ticket], int]:
        found = self._matching(where)
        return found[offset : offset + limit], len(found)

    async def listing(
        self, where: TicketFilter, ladder: Iterable[EscalationRule], *, before: int | None, limit: int
    ) -> tuple[list[TicketRow], int, int | None]:
        ladder = tuple(ladder)
        found = self._matching(where, ladder)
        rows = [t for t in found if before is None or t.number < before]
        more = len(rows) > limit
        rows = rows[:limit]
        states = await self.sla_states(rows, ladder)
        state = self._state()
        page = [
            TicketRow(
                t,
                states[t.id],
                state.clients[t.client_id].name if t.client_id in state.clients else None,
                state.sites[t.site_id].name if t.site_id in state.sites else None,
            )
            for t in rows
        ]
        return page, len(found), (rows[-1].number if more and rows else None)

    async def sla_states(
        self, page: Sequence[Ticket], ladder: Iterable[EscalationRule]
    ) -> dict[str, SlaFilter]:
        ladder = tuple(ladder)
        alerts = self._alerts()
        return {
            t.id: sla_state(
                t.status in OPEN_STATUSES, max(alerts[t.id]) if alerts.get(t.id) else None, ladder
            )
            for t in page
        }

    async def counts_by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in self._state().tickets.values():
            counts[str(t.status)] = counts.get(str(t.status), 0) + 1
        return counts

    async def open_sla_counts(self, ladder: Iterable[EscalationRule]) -> dict[SlaFilter, int]:
        ladder = tuple(ladder)
        return {
            s: len(self._matching(TicketFilter(sla=s), ladder))
            for s in (SlaFilter.AT_RISK, SlaFilter.BREACHED)
        }


class MemoryDirectoryLists:
    """`DirectoryLists` over a memory state."""

    def __init__(self, state: Callable[[], MemoryState]) -> None:
        self._state = state

    async def client_choices(self) -> list[Choice]:
        clients = sorted(self._state().clients.values(), key=lambda c: c.name)
        return [Choice(c.id, c.name) for c in clients[:CHOICES_MAX]]

    async def site_choices(self, client_id: str | None = None) -> list[Choice]:
        state = self._state()
        sites = sorted(
            (s for s in state.sites.values() if client_id is None or s.client_id == client_id),
            key=lambda s: s.name,
        )
        return [Choice(s.id, s.name, state.clients[s.client_id].name) for s in sites[:CHOICES_MAX]]

    async def clients_page(self, *, limit: int, offset: int) -> tuple[list[Client], int]:
        clients = sorted(self._state().clients.values(), key=lambda c: c.id)
        return [copy.deepcopy(c) for c in clients[offset : offset + limit]], len(clients)

    async def client_summaries(self, ids: Sequence[str]) -> dict[str, dict[str, int]]:
        state = self._state()
        return {
            i: {
                "sites": sum(s.client_id == i for s in state.sites.values()),
                "contracts": sum(k.client_id == i and k.active for k in state.contracts.values()),
                "open": sum(t.client_id == i and t.status in OPEN_STATUSES for t in state.tickets.values()),
            }
            for i in ids
        }

    async def contracts_of(self, client_id: str) -> list[Contract]:
        found = (k for k in self._state().contracts.values() if k.client_id == client_id)
        return [copy.deepcopy(k) for k in sorted(found, key=lambda k: k.id)]

    async def categories_and_regions(self) -> tuple[set[str], set[str]]:
        state = self._state()
        categories = {c for k in state.contracts.values() for c in k.categories}
        return categories, {s.region for s in state.sites.values() if s.region is not None}


class MemoryArticleLists:
    """`ArticleLists` over a memory article repository."""

    def __init__(self, articles: MemoryArticleRepository) -> None:
        self._articles = articles

    def _live(self) -> list[ArticleRow]:
        return [
            ArticleRow(
                a.id,
                a.title,
                a.audience,
                a.lang,
                tuple(a.tags),
                str(a.status),
                a.version,
                a.updated_at,
                a.updated_by,
            )
            for a, deleted in sorted(self._articles.rows.values(), key=lambda r: r[0].id)
            if deleted is None
        ]

    async def page(self, where: ArticleQuery, *, limit: int, offset: int) -> tuple[list[ArticleRow], int]:
        bodies = {a.id: a.body for a, _ in self._articles.rows.values()}
        text = (where.text or "").lower()
        found = [
            r
            for r in self._live()
            if (not where.lang or r.lang == where.lang)
            and (not where.audience or r.audience == where.audience)
            and (not where.status or r.status == where.status)
            and (not text or text in r.title.lower() or text in bodies[r.id].lower())
        ]
        return found[offset : offset + limit], len(found)

    async def facets(self) -> tuple[list[str], list[str]]:
        rows = self._live()
        return sorted({r.lang for r in rows}), sorted({r.audience for r in rows})

    async def counts_by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self._live():
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts
