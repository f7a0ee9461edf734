"""Read queries for the admin pages: paged, filtered lists in one or two SQL statements each (no N+1).

Read-only SQL on a unit's session; every change goes through `helpdesk.admin.usecases`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.kb_tables import kb_articles
from storage.repositories.tickets import ticket_from_row
from storage.sla_tables import sla_alerts
from storage.tables import clients, contracts, sites, tickets
from ticket_core.enums import ACTIVE_JOB_STATUSES, OPEN_STATUSES, TicketStatus
from ticket_core.model import Ticket
from ticket_core.sla.escalation import EscalationRule


class SlaFilter(StrEnum):
    """The SLA state a ticket list can be narrowed to (from the alerts the SLA worker has recorded)."""

    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class TicketQuery:
    """Which tickets the list shows; every set field must match."""

    statuses: tuple[TicketStatus, ...] = ()
    client_id: str | None = None
    site_id: str | None = None
    assignee_id: str | None = None
    sla: SlaFilter | None = None


@dataclass(frozen=True, slots=True)
class TicketRow:
    """One line of the ticket list."""

    ticket: Ticket
    sla: SlaFilter
    client_name: str | None = None
    site_name: str | None = None


def breach_levels(ladder: Iterable[EscalationRule]) -> tuple[list[int], list[int]]:
    """Split the escalation ladder into warning levels (before the target) and breach levels."""
    rules = list(ladder)
    return [r.level for r in rules if r.share < 1], [r.level for r in rules if r.share >= 1]


def _alert_exists(levels: Sequence[int]) -> ColumnElement[bool]:
    return exists().where(
        sla_alerts.c.ticket_id == tickets.c.id, sla_alerts.c.level.in_(list(levels) or [-1])
    )


def _ticket_conditions(where: TicketQuery, ladder: Iterable[EscalationRule]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.statuses:
        conditions.append(tickets.c.status.in_([str(s) for s in where.statuses]))
    if where.client_id:
        conditions.append(tickets.c.client_id == where.client_id)
    if where.site_id:
        conditions.append(tickets.c.site_id == where.site_id)
    if where.assignee_id:
        conditions.append(tickets.c.assignee_id == where.assignee_id)
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


async def sla_states(
    session: AsyncSession, page: Sequence[Ticket], ladder: Iterable[EscalationRule]
) -> dict[str, SlaFilter]:
    """The SLA state of each ticket on a page, from one query over their recorded alerts."""
    warn, breach = breach_levels(ladder)
    ids = [t.id for t in page if t.status in OPEN_STATUSES]
    worst: dict[str, int] = {}
    if ids:
        query = (
            select(sla_alerts.c.ticket_id, func.max(sla_alerts.c.level))
            .where(sla_alerts.c.ticket_id.in_(ids))
            .group_by(sla_alerts.c.ticket_id)
        )
        worst = {row[0]: int(row[1]) for row in await session.execute(query)}
    states: dict[str, SlaFilter] = {}
    for t in page:
        if t.status not in OPEN_STATUSES:
            states[t.id] = SlaFilter.DONE
        elif t.id in worst and worst[t.id] in breach:
            states[t.id] = SlaFilter.BREACHED
        elif t.id in worst and worst[t.id] in warn:
            states[t.id] = SlaFilter.AT_RISK
        else:
            states[t.id] = SlaFilter.OK
    return states


async def list_tickets(
    session: AsyncSession,
    where: TicketQuery,
    ladder: Iterable[EscalationRule],
    *,
    before: int | None,
    limit: int,
) -> tuple[list[TicketRow], int, int | None]:
    """One page of tickets, newest number first, older than ticket number `before` (keyset paging).

    Returns the rows, the number of all matches and the `before` value of the next page (None at the end).
    """
    ladder = tuple(ladder)
    conditions = _ticket_conditions(where, ladder)
    page_conditions = [*conditions, tickets.c.number < before] if before is not None else conditions
    query = (
        select(tickets, clients.c.name.label("client_name"), sites.c.name.label("site_name"))
        .join(clients, clients.c.id == tickets.c.client_id)
        .outerjoin(sites, sites.c.id == tickets.c.site_id)
        .where(*page_conditions)
        .order_by(tickets.c.number.desc())
        .limit(limit + 1)
    )
    found = (await session.execute(query)).mappings().all()
    rows = [ticket_from_row(r) for r in found]
    names = {r["id"]: (r["client_name"], r["site_name"]) for r in found}
    total = int(
        (await session.execute(select(func.count()).select_from(tickets).where(*conditions))).scalar() or 0
    )
    more = len(rows) > limit
    rows = rows[:limit]
    states = await sla_states(session, rows, ladder)
    page = [TicketRow(t, states[t.id], names[t.id][0], names[t.id][1]) for t in rows]
    return page, total, (rows[-1].number if more and rows else None)


@dataclass(frozen=True, slots=True)
class ArticleQuery:
    """Which KB articles the list shows."""

    lang: str | None = None
    audience: str | None = None
    status: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """One line of the KB list (no body: the list does not need it)."""

    id: str
    title: str
    audience: str
    lang: str
    tags: tuple[str, ...]
    status: str
    version: int
    updated_at: datetime
    updated_by: str | None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_articles(
    session: AsyncSession, where: ArticleQuery, *, limit: int, offset: int
) -> tuple[list[ArticleRow], int]:
    """One page of articles (not deleted) ordered by id, and the number of all matches."""
    conditions: list[ColumnElement[bool]] = [kb_articles.c.deleted_at.is_(None)]
    if where.lang:
        conditions.append(kb_articles.c.lang == where.lang)
    if where.audience:
        conditions.append(kb_articles.c.audience == where.audience)
    if where.status:
        conditions.append(kb_articles.c.status == where.status)
    if where.text:
        # ILIKE on PostgreSQL uses the trigram indexes of migration 0007; SQLite compares lower() values.
        pattern = f"%{_escape_like(where.text)}%"
        conditions.append(
            or_(
                kb_articles.c.title.ilike(pattern, escape="\\"),
                kb_articles.c.body.ilike(pattern, escape="\\"),
            )
        )
    columns = [c for c in kb_articles.c if c.name not in ("body", "deleted_at")]
    # One scan gives the page and the number of matches (the window count runs before LIMIT).
    query = (
        select(*columns, func.count().over().label("matches"))
        .where(*conditions)
        .order_by(kb_articles.c.id)
        .limit(limit)
        .offset(offset)
    )
    bitmap_only = bool(where.text) and session.get_bind().dialect.name == "postgresql"
    if bitmap_only:
        # The planner underrates ILIKE '%...%' over long bodies and scans the whole table; the trigram
        # indexes answer it several times faster, so steer this one query (SET LOCAL: this transaction).
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        await session.execute(text("SET LOCAL enable_indexscan = off"))
    found = (await session.execute(query)).mappings().all()
    if bitmap_only:
        await session.execute(text("SET LOCAL enable_seqscan = on"))
        await session.execute(text("SET LOCAL enable_indexscan = on"))
    rows = [
        ArticleRow(
            id=r["id"],
            title=r["title"],
            audience=r["audience"],
            lang=r["lang"],
            tags=tuple(r["tags"] or ()),
            status=r["status"],
            version=r["version"],
            updated_at=r["updated_at"],
            updated_by=r["updated_by"],
        )
        for r in found
    ]
    if found:
        return rows, int(found[0]["matches"])
    # A page past the end: count on its own.
    count = select(func.count()).select_from(kb_articles).where(*conditions)
    return rows, int((await session.execute(count)).scalar() or 0)


async def article_facets(session: AsyncSession) -> tuple[list[str], list[str]]:
    """The languages and audiences in use, for the KB list's filter menus."""
    live = kb_articles.c.deleted_at.is_(None)
    langs = (await session.execute(select(kb_articles.c.lang).where(live).distinct())).scalars().all()
    audiences = (await session.execute(select(kb_articles.c.audience).where(live).distinct())).scalars().all()
    return sorted(langs), sorted(audiences)


async def ticket_counts(session: AsyncSession) -> dict[str, int]:
    """How many tickets are in each status."""
    query = select(tickets.c.status, func.count()).group_by(tickets.c.status)
    return {row[0]: int(row[1]) for row in await session.execute(query)}


async def open_sla_counts(session: AsyncSession, ladder: Iterable[EscalationRule]) -> dict[SlaFilter, int]:
    """Open tickets at risk and breached (from recorded alerts)."""
    ladder = tuple(ladder)
    result: dict[SlaFilter, int] = {}
    for state in (SlaFilter.AT_RISK, SlaFilter.BREACHED):
        conditions = _ticket_conditions(TicketQuery(sla=state), ladder)
        count = select(func.count()).select_from(tickets).where(and_(*conditions))
        result[state] = int((await session.execute(count)).scalar() or 0)
    return result


async def article_counts(session: AsyncSession) -> dict[str, int]:
    """How many (not deleted) articles are in each status."""
    query = (
        select(kb_articles.c.status, func.count())
        .where(kb_articles.c.deleted_at.is_(None))
        .group_by(kb_articles.c.status)
    )
    return {row[0]: int(row[1]) for row in await session.execute(query)}


async def engineer_loads(session: AsyncSession) -> dict[str, int]:
    """Active jobs (accepted, in progress, on hold) per engineer."""
    query = (
        select(tickets.c.assignee_id, func.count())
        .where(
            tickets.c.assignee_id.is_not(None), tickets.c.status.in_([str(s) for s in ACTIVE_JOB_STATUSES])
        )
        .group_by(tickets.c.assignee_id)
    )
    return {row[0]: int(row[1]) for row in await session.execute(query)}


async def client_summaries(session: AsyncSession, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per client on a page: sites, active contracts and open tickets, in three grouped queries."""
    result: dict[str, dict[str, Any]] = {i: {"sites": 0, "contracts": 0, "open": 0} for i in ids}
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
        for row in await session.execute(query):
            result[row[0]][key] = int(row[1])
    return result


async def contracts_of(session: AsyncSession, client_id: str) -> list[dict[str, Any]]:
    """Every contract of a client (active or not)."""
    query = select(contracts).where(contracts.c.client_id == client_id).order_by(contracts.c.id)
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def categories_and_regions(session: AsyncSession) -> tuple[set[str], set[str]]:
    """The categories the contracts cover and the regions of the sites, to suggest in the engineer form."""
    categories: set[str] = set()
    for row in await session.execute(select(contracts.c.categories)):
        categories.update(str(c) for c in row[0] or ())
    regions = await session.execute(select(sites.c.region).where(sites.c.region.is_not(None)).distinct())
    return categories, {str(r) for r in regions.scalars().all()}
