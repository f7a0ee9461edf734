"""`SqlTicketLists`: ticket lists for the admin (keyset pages with SLA states and names) and the API (offset
pages), and counts for the dashboard. One filter, `TicketFilter`, for both. (Each engineer's active jobs are
the domain's own count: `uow.tickets.count_active_by_assignee`.)"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, exists, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories.tickets import ticket_from_row
from storage.sla_tables import sla_alerts
from storage.tables import clients, sites, tickets
from ticket_core.enums import OPEN_STATUSES
from ticket_core.lists import SlaFilter, TicketFilter, TicketRow, breach_levels, sla_state
from ticket_core.model import Ticket
from ticket_core.sla.escalation import EscalationRule


def _alert_exists(levels: Sequence[int]) -> ColumnElement[bool]:
    return exists().where(
        sla_alerts.c.ticket_id == tickets.c.id, sla_alerts.c.level.in_(list(levels) or [-1])
    )


def _conditions(where: TicketFilter, ladder: Iterable[EscalationRule] = ()) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.statuses:
        conditions.append(tickets.c.status.in_([str(s) for s in where.statuses]))
    if where.client_id is not None:
        conditions.append(tickets.c.client_id == where.client_id)
    if where.site_id is not None:
        conditions.append(tickets.c.site_id == where.site_id)
    if where.assignee_id is not None:
        conditions.append(tickets.c.assignee_id == where.assignee_id)
    if where.priority is not None:
        conditions.append(tickets.c.priority == str(where.priority))
    if where.sla is not None:
        warn, breach = breach_levels(ladder)
        open_ = tickets.c.status.in_([str(s) for s in OPEN_STATUSES])
        if where.sla is SlaFilter.DONE:
            conditions.append(not_(open_))
        elif where.sla is SlaFilter.BREACHED:
            conditions.extend([open_, _alert_exists(breach)])
        elif where.sla is SlaFilter.AT_RISK:
            conditions.extend([open_, _alert_exists(warn), not_(_alert_exists(breach))])
        else:
            conditions.extend([open_, not_(_alert_exists([*warn, *breach]))])
    return conditions


class SqlTicketLists:
    """Implements `ticket_core.ports.TicketLists` on a unit's session; read-only."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _count(self, conditions: Sequence[ColumnElement[bool]]) -> int:
        query = select(func.count()).select_from(tickets).where(*conditions)
        return int((await self.session.execute(query)).scalar() or 0)

    async def page(self, where: TicketFilter, *, limit: int, offset: int) -> tuple[list[Ticket], int]:
        """One page of matching tickets, newest first, and the number of all matches (the API's list)."""
        conditions = _conditions(where)
        query = (
            select(tickets).where(*conditions).order_by(tickets.c.number.desc()).limit(limit).offset(offset)
        )
        rows = (await self.session.execute(query)).mappings().all()
        return [ticket_from_row(r) for r in rows], await self._count(conditions)

    async def listing(
        self, where: TicketFilter, ladder: Iterable[EscalationRule], *, before: int | None, limit: int
    ) -> tuple[list[TicketRow], int, int | None]:
        """One page of the admin's list, newest number first, older than ticket number `before` (keyset
        paging), with each ticket's SLA state and its client's and site's names.

        Returns the rows, the number of all matches and the `before` value of the next page (None at the end).
        """
        ladder = tuple(ladder)
        conditions = _conditions(where, ladder)
        page_conditions = [*conditions, tickets.c.number < before] if before is not None else conditions
        query = (
            select(tickets, clients.c.name.label("client_name"), sites.c.name.label("site_name"))
            .join(clients, clients.c.id == tickets.c.client_id)
            .outerjoin(sites, sites.c.id == tickets.c.site_id)
            .where(*page_conditions)
            .order_by(tickets.c.number.desc())
            .limit(limit + 1)
        )
        found = (await self.session.execute(query)).mappings().all()
        rows = [ticket_from_row(r) for r in found]
        names = {r["id"]: (r["client_name"], r["site_name"]) for r in found}
        total = await self._count(conditions)
        more = len(rows) > limit
        rows = rows[:limit]
        states = await self.sla_states(rows, ladder)
        page = [TicketRow(t, states[t.id], names[t.id][0], names[t.id][1]) for t in rows]
        return page, total, (rows[-1].number if more and rows else None)

    async def sla_states(
        self, page: Sequence[Ticket], ladder: Iterable[EscalationRule]
    ) -> dict[str, SlaFilter]:
        """The SLA state of each ticket on a page, from one query over their recorded alerts."""
        ladder = tuple(ladder)
        ids = [t.id for t in page if t.status in OPEN_STATUSES]
        worst: dict[str, int] = {}
        if ids:
            query = (
                select(sla_alerts.c.ticket_id, func.max(sla_alerts.c.level))
                .where(sla_alerts.c.ticket_id.in_(ids))
                .group_by(sla_alerts.c.ticket_id)
            )
            worst = {row[0]: int(row[1]) for row in await self.session.execute(query)}
        return {t.id: sla_state(t.status in OPEN_STATUSES, worst.get(t.id), ladder) for t in page}

    async def counts_by_status(self) -> dict[str, int]:
        """How many tickets are in each status."""
        query = select(tickets.c.status, func.count()).group_by(tickets.c.status)
        return {row[0]: int(row[1]) for row in await self.session.execute(query)}

    async def open_sla_counts(self, ladder: Iterable[EscalationRule]) -> dict[SlaFilter, int]:
        """Open tickets at risk and breached (from recorded alerts)."""
        ladder = tuple(ladder)
        return {
            state: await self._count(_conditions(TicketFilter(sla=state), ladder))
            for state in (SlaFilter.AT_RISK, SlaFilter.BREACHED)
        }
