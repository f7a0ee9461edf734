"""Read queries the integration API needs beyond the ports: filtered, paginated tickets and all clients.

Read-only SQL on the unit's session; the write side always goes through the ticket_core use cases.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories.tickets import ticket_from_row
from storage.tables import clients, tickets
from ticket_core.enums import Priority, TicketStatus
from ticket_core.model import Client, Ticket


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """Which tickets to list; every set field must match."""

    statuses: tuple[TicketStatus, ...] = ()
    client_id: str | None = None
    site_id: str | None = None
    assignee_id: str | None = None
    priority: Priority | None = None


async def list_tickets(
    session: AsyncSession, where: TicketFilter, *, limit: int, offset: int
) -> tuple[list[Ticket], int]:
    """One page of matching tickets, newest first, and the number of all matches."""
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
    page = select(tickets).where(*conditions).order_by(tickets.c.number.desc()).limit(limit).offset(offset)
    total = select(func.count()).select_from(tickets).where(*conditions)
    rows = (await session.execute(page)).mappings().all()
    count = int((await session.execute(total)).scalar() or 0)
    return [ticket_from_row(r) for r in rows], count


async def list_clients(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[Client], int]:
    """One page of clients by id, and how many there are."""
    page = select(clients).order_by(clients.c.id).limit(limit).offset(offset)
    rows = (await session.execute(page)).mappings().all()
    count = int((await session.execute(select(func.count()).select_from(clients))).scalar() or 0)
    return [Client(r["id"], r["name"], r["kind"], r["created_at"]) for r in rows], count
