"""`SqlTicketRepository`: tickets with optimistic locking and a counter for numbers."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from storage import driver_sql
from storage.repositories._sql import upsert_insert
from storage.sql_literals import word
from storage.tables import (
    TICKET_COUNTER,
    TICKET_COUNTER_SEED,
    counters,
    ticket_followers,
    ticket_numbers,
    tickets,
)
from storage.text_match import contains_text
from ticket_core.enums import ACTIVE_JOB_STATUSES, WAITING_STATUSES, Priority, TicketStatus
from ticket_core.errors import StaleTicket
from ticket_core.log_context import bind
from ticket_core.model import Attachment, SiteScope, Ticket, TicketQuery, parse_ref

_FIELDS = tuple(f.name for f in dataclasses.fields(Ticket))
_SAVED = tuple(name for name in _FIELDS if name not in ("id", "version"))
# Built once: a ticket is read and saved on nearly every change, and building a statement costs more CPU
# than running it (#19's alert bench).
_GET = select(tickets).where(tickets.c.id == bindparam("id"))
_INSERT = tickets.insert()
_UPDATE = (
    update(tickets)
    .where(tickets.c.id == bindparam("b_id"), tickets.c.version == bindparam("b_version"))
    .values(
        {
            **{name: bindparam(f"v_{name}", type_=tickets.c[name].type) for name in _SAVED},
            "version": tickets.c.version + 1,
        }
    )
)


def _bound(ticket: Ticket) -> Ticket:
    """The ticket a turn loaded by id or number is the one its log lines name (ticket_core.log_context)."""
    bind(ticket=ticket.number)
    return ticket


def _copy(ticket: Ticket) -> Ticket:
    """A copy that shares nothing a caller may change: the attachments list is the only mutable field (its
    items are frozen), so a shallow copy with a new list is a deep copy, at a tenth of `copy.deepcopy`'s CPU."""
    kept = copy.copy(ticket)
    kept.attachments = list(ticket.attachments)
    return kept


def attachment_to_dict(item: Attachment) -> dict[str, Any]:
    """Serialise an attachment for a JSON column."""
    return {"kind": item.kind, "file_id": item.file_id, "channel": item.channel, "caption": item.caption}


def attachment_from_dict(data: dict[str, Any]) -> Attachment:
    """Rebuild an attachment from `attachment_to_dict` output."""
    return Attachment(data["kind"], data["file_id"], data["channel"], data.get("caption"))


def ticket_values(ticket: Ticket) -> dict[str, Any]:
    """Column values of a ticket (every dataclass field; attachments as dicts)."""
    values = {name: getattr(ticket, name) for name in _FIELDS}
    values["attachments"] = [attachment_to_dict(a) for a in ticket.attachments]
    values["status"] = str(ticket.status)
    values["priority"] = str(ticket.priority)
    return values


def ticket_from_row(row: RowMapping) -> Ticket:
    """Build a `Ticket` from a tickets row."""
    values = {name: row[name] for name in _FIELDS}
    values["attachments"] = [attachment_from_dict(a) for a in row["attachments"] or []]
    values["status"] = TicketStatus(row["status"])
    values["priority"] = Priority(row["priority"])
    return Ticket(**values)


def _listing(who: Any, statuses: Sequence[TicketStatus] | None) -> Any:
    """The newest tickets whose column `who` is the parameter `who`, in `statuses`: built once per shape (a
    client's message asks whether an engineer talks with them). The statuses are written into the SQL."""
    key = (who.name, tuple(sorted(str(s) for s in statuses)) if statuses else ())
    found = _LISTINGS.get(key)
    if found is None:
        stmt = select(tickets).where(who == bindparam("who"))
        if key[1]:
            stmt = stmt.where(tickets.c.status.in_([word(TicketStatus(s)) for s in key[1]]))
        # Numbers grow with time, so they order newest-first without ties.
        found = _LISTINGS[key] = stmt.order_by(tickets.c.number.desc()).limit(bindparam("limit"))
    return found


_LISTINGS: dict[tuple[str, tuple[str, ...]], Any] = {}


class SqlTicketRepository:
    """Tickets in SQL; implements `ticket_core.ports.TicketRepository`.

    A unit of work reads one ticket several times (the use case, then each reaction to its events): `get`
    answers from what this transaction last read or wrote of the ticket, as a copy, so a caller's unsaved
    changes never leak into another's. A change another transaction committed meanwhile is still caught:
    `update` saves only over the version it read (StaleTicket), exactly as when each `get` read the row.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._seen: dict[str, Ticket] = {}  # by id: the row as this transaction last read or wrote it

    def forget(self) -> None:
        """Drop what this transaction read (after a rollback)."""
        self._seen.clear()

    def _keep(self, ticket: Ticket) -> Ticket:
        self._seen[ticket.id] = _copy(ticket)
        return ticket

    async def next_number(self) -> int:
        """Reserve the next ticket number: from a sequence on PostgreSQL (no lock held to the commit), with
        an atomic increment of the counter row on SQLite (see `storage.tables.ticket_numbers`)."""
        if self.session.get_bind().dialect.name == "postgresql":
            return int((await self.session.execute(select(ticket_numbers.next_value()))).scalar_one())
        bump = (
            update(counters)
            .where(counters.c.name == TICKET_COUNTER)
            .values(value=counters.c.value + 1)
            .returning(counters.c.value)
        )
        value = (await self.session.execute(bump)).scalar_one_or_none()
        if value is None:
            # A schema made by create_all has no seed row; add it without racing a concurrent seeder.
            seed = upsert_insert(self.session, counters).values(
                name=TICKET_COUNTER, value=TICKET_COUNTER_SEED
            )
            await self.session.execute(seed.on_conflict_do_nothing(index_elements=["name"]))
            value = (await self.session.execute(bump)).scalar_one()
        return int(value)

    async def add(self, ticket: Ticket) -> None:
        """Insert a new ticket with version 1."""
        values = ticket_values(ticket)
        values["version"] = 1
        await self.session.execute(_INSERT, values)
        ticket.version = 1
        self._keep(ticket)
        bind(ticket=ticket.number)  # the turn's later log lines name it

    async def get(self, ticket_id: str) -> Ticket | None:
        """Return a ticket by id (read once per transaction; see the class)."""
        seen = self._seen.get(ticket_id)
        if seen is not None:
            return _bound(_copy(seen))
        row = (await self.session.execute(_GET, {"id": ticket_id})).mappings().first()
        return _bound(self._keep(ticket_from_row(row))) if row else None

    async def get_by_number(self, number: int) -> Ticket | None:
        """Return a ticket by its number."""
        row = (
            (await self.session.execute(select(tickets).where(tickets.c.number == number))).mappings().first()
        )
        return _bound(ticket_from_row(row)) if row else None

    async def update(self, ticket: Ticket) -> None:
        """Save a changed ticket if its stored version still equals `ticket.version`; else raise StaleTicket."""
        values = ticket_values(ticket)
        params = {f"v_{name}": values[name] for name in _SAVED}
        result = await self.session.execute(
            _UPDATE, {"b_id": ticket.id, "b_version": ticket.version, **params}
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            self._seen.pop(ticket.id, None)  # read it afresh next time
            raise StaleTicket(ticket.id)
        ticket.version += 1
        self._keep(ticket)

    async def list_for_client(
        self, client_id: str, statuses: Sequence[TicketStatus] | None = None, limit: int = 20
    ) -> list[Ticket]:
        """Tickets of one client, newest first."""
        return await self._list(_listing(tickets.c.client_id, statuses), {"who": client_id, "limit": limit})

    async def list_for_assignee(
        self, engineer_id: str, statuses: Sequence[TicketStatus] | None = None, limit: int = 50
    ) -> list[Ticket]:
        """Jobs of one engineer, newest first."""
        return await self._list(
            _listing(tickets.c.assignee_id, statuses), {"who": engineer_id, "limit": limit}
        )

    async def add_follower(self, ticket_id: str, contact_id: str, at: datetime) -> bool:
        """Make a contact a follower of a ticket; True when they were not one already."""
        stmt = (
            upsert_insert(self.session, ticket_followers)
            .values(ticket_id=ticket_id, contact_id=contact_id, created_at=at)
            .on_conflict_do_nothing()
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def remove_follower(self, ticket_id: str, contact_id: str) -> bool:
        """Stop a contact following a ticket; True when they were one."""
        result = await self.session.execute(
            delete(ticket_followers).where(
                ticket_followers.c.ticket_id == ticket_id, ticket_followers.c.contact_id == contact_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def followers(self, ticket_id: str) -> list[str]:
        """The contacts following a ticket, in the order they began."""
        stmt = (
            select(ticket_followers.c.contact_id)
            .where(ticket_followers.c.ticket_id == ticket_id)
            .order_by(ticket_followers.c.created_at, ticket_followers.c.contact_id)
        )
        return [str(c) for c in (await self.session.execute(stmt)).scalars()]

    async def search_for_client(
        self, client_id: str, contact_id: str, scope: SiteScope, query: TicketQuery
    ) -> list[Ticket]:
        """A page of one client's tickets that the contact sees, newest first (see the port)."""
        stmt = select(tickets).where(tickets.c.client_id == client_id)
        if not scope.manager:
            own = tickets.c.contact_id == contact_id
            stmt = stmt.where(or_(own, tickets.c.site_id == scope.site_id) if scope.site_id else own)
        if query.statuses:
            stmt = stmt.where(tickets.c.status.in_([str(s) for s in query.statuses]))
        if query.site_id is not None:
            stmt = stmt.where(tickets.c.site_id == query.site_id)
        if query.before is not None:
            stmt = stmt.where(tickets.c.number < query.before)
        if query.text:
            number = parse_ref(query.text)
            found = contains_text(tickets.c.description, query.text)
            stmt = stmt.where(or_(found, tickets.c.number == number) if number is not None else found)
        # Numbers grow with time, so they order newest-first without ties.
        stmt = stmt.order_by(tickets.c.number.desc()).limit(query.limit)
        return [ticket_from_row(row) for row in (await self.session.execute(stmt)).mappings()]

    async def list_waiting(self, limit: int = 50) -> list[Ticket]:
        """Tickets waiting for an engineer (new, offered, reopened), most urgent and oldest first."""
        stmt = (
            select(tickets)
            .where(tickets.c.status.in_([str(s) for s in WAITING_STATUSES]))
            .order_by(tickets.c.priority, tickets.c.number)
            .limit(limit)
        )
        return [ticket_from_row(row) for row in (await self.session.execute(stmt)).mappings()]

    async def count_active_by_assignee(self) -> dict[str, int]:
        """Number of accepted, in-progress and on-hold jobs per engineer id."""
        stmt = (
            select(tickets.c.assignee_id, func.count())
            .where(
                tickets.c.assignee_id.is_not(None),
                tickets.c.status.in_([str(s) for s in ACTIVE_JOB_STATUSES]),
            )
            .group_by(tickets.c.assignee_id)
        )
        return {str(assignee): int(n) for assignee, n in (await self.session.execute(stmt)).all()}

    async def _list(self, stmt: Any, params: dict[str, Any]) -> list[Ticket]:
        return [ticket_from_row(row) for row in await driver_sql.fetch(self.session, stmt, params)]
