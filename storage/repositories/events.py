"""`SqlEventLog`: the append-only audit log of domain events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories._sql import json_safe
from storage.tables import ticket_events
from ticket_core.events import DomainEvent, actor_to_dict


def event_row(event: DomainEvent) -> dict[str, Any]:
    """The `ticket_events` row of an event."""
    return {
        "ticket_id": event.ticket_id,
        "name": event.name,
        "actor": actor_to_dict(event.actor),
        "at": event.at,
        "data": json_safe(event.data()),
    }


class SqlEventLog:
    """Ticket events in SQL; implements `ticket_core.ports.EventLog`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(self, event: DomainEvent) -> None:
        """Append one event."""
        await self.session.execute(ticket_events.insert().values(event_row(event)))

    async def list_for_ticket(self, ticket_id: str) -> list[dict[str, Any]]:
        """Events of a ticket, oldest first: dicts with id, ticket_id, name, actor, at and data."""
        stmt = (
            select(ticket_events).where(ticket_events.c.ticket_id == ticket_id).order_by(ticket_events.c.id)
        )
        return [dict(row) for row in (await self.session.execute(stmt)).mappings()]

    async def list_between(
        self, names: Sequence[str], since: datetime, until: datetime, limit: int = 50_000
    ) -> list[dict[str, Any]]:
        """Events of the given names recorded in [since, until), oldest first."""
        stmt = (
            select(ticket_events)
            .where(
                ticket_events.c.name.in_(list(names)), ticket_events.c.at >= since, ticket_events.c.at < until
            )
            .order_by(ticket_events.c.id)
            .limit(limit)
        )
        return [dict(row) for row in (await self.session.execute(stmt)).mappings()]
