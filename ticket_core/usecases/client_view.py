"""What a client's contact reads about their company's tickets (the client portal): a page of the tickets
they may see, and one ticket's history as the client is told it.

The history holds public comments and the events a client hears about (who took the job, on the way, on
site, on hold and why, resolved with the engineer's note, closed, cancelled, reopened, rated); never an
internal note, an offer to an engineer, a decline or an SLA alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ticket_core.enums import Role, Visibility
from ticket_core.errors import Forbidden
from ticket_core.events import actor_from_dict
from ticket_core.model import Actor, Attachment, SiteScope, Ticket, TicketQuery
from ticket_core.ports import UnitOfWork
from ticket_core.usecases.queries import get_ticket_by_number

MAX_PAGE = 100
MAX_SEARCH = 200

CLIENT_EVENTS = frozenset(
    {
        "ticket_opened",
        "offer_accepted",
        "engineer_on_the_way",
        "engineer_on_site",
        "work_started",
        "ticket_put_on_hold",
        "work_resumed",
        "ticket_resolved",
        "ticket_closed",
        "ticket_cancelled",
        "ticket_reopened",
        "ticket_rated",
    }
)
"""Events a client hears about (`dialogue.notifications`), and so sees in the ticket's history."""

VISIT_EVENTS = ("engineer_on_the_way", "engineer_on_site", "work_started", "ticket_resolved")
"""The engineer's visit times, in the order a visit goes."""

CLIENT_DATA = {
    "ticket_put_on_hold": ("reason",),
    "ticket_resolved": ("note", "checklist"),
    "ticket_cancelled": ("reason",),
    "ticket_reopened": ("reason",),
    "ticket_rated": ("score", "comment"),
}
"""What of an event's data the client may read (the rest, e.g. who else was offered the job, stays inside)."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a ticket's history as the client sees it: an event or a public comment."""

    at: datetime
    kind: str  # an event name, or "comment"
    who: str  # the person's name ("" for the client's own side without a name)
    by_client: bool
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TicketHistory:
    """A ticket, and its history for the client, oldest first."""

    ticket: Ticket
    entries: tuple[HistoryEntry, ...]
    engineer: str | None  # the name of whoever has the job now

    def visits(self) -> list[HistoryEntry]:
        """The engineer's visit times (on the way, on site, started, resolved), oldest first."""
        return [e for e in self.entries if e.kind in VISIT_EVENTS]


def require_contact(actor: Actor) -> str:
    """The client id of a client's contact; Forbidden for anyone else."""
    if actor.role is not Role.CLIENT or actor.client_id is None:
        raise Forbidden("Only a client's contacts see their company's tickets here.")
    return actor.client_id


async def list_client_tickets(uow: UnitOfWork, actor: Actor, query: TicketQuery) -> list[Ticket]:
    """A page of the tickets the contact may see: a manager every site's, others their site's and their own."""
    client_id = require_contact(actor)
    text = (query.text or "").strip()[:MAX_SEARCH] or None
    limit = max(1, min(int(query.limit), MAX_PAGE))
    if query.site_id is not None:
        site = await uow.directory.get_site(query.site_id)
        if site is None or site.client_id != client_id:
            return []  # not one of theirs: nothing, the same as a site without tickets
    scope = actor.scope or SiteScope(manager=True)
    clean = TicketQuery(query.statuses, query.site_id, text, query.before, limit)
    return await uow.tickets.search_for_client(client_id, actor.id, scope, clean)


async def ticket_history(uow: UnitOfWork, actor: Actor, number: int) -> TicketHistory:
    """A ticket the contact may see, with its history for the client; NotFound (the same words as for a
    missing ticket) for any other."""
    require_contact(actor)
    ticket = await get_ticket_by_number(uow, actor, number)
    names: dict[str, str] = {}

    async def staff_name(staff_id: str, fallback: str | None) -> str:
        if staff_id not in names:
            member = await uow.directory.get_staff(staff_id)
            names[staff_id] = member.name if member is not None else (fallback or "")
        return names[staff_id]

    entries: list[HistoryEntry] = []
    for row in await uow.events.list_for_ticket(ticket.id):
        name = str(row["name"])
        if name not in CLIENT_EVENTS:
            continue
        who = actor_from_dict(row["actor"])
        data = row.get("data") or {}
        if name == "offer_accepted":
            label = await staff_name(str(data.get("engineer_id") or who.id), who.name)
        elif who.is_staff:
            label = await staff_name(who.id, who.name)
        else:
            label = who.name or ""
        kept = {k: data[k] for k in CLIENT_DATA.get(name, ()) if k in data}
        entries.append(HistoryEntry(_utc(row["at"]), name, label, who.role is Role.CLIENT, data=kept))
    for comment in await uow.comments.list_for_ticket(ticket.id, include_internal=False):
        if comment.visibility is not Visibility.PUBLIC:
            continue
        author = comment.author
        who_name = await staff_name(author.id, author.name) if author.is_staff else (author.name or "")
        entries.append(
            HistoryEntry(
                comment.created_at,
                "comment",
                who_name,
                author.role is Role.CLIENT,
                comment.text,
                tuple(comment.attachments),
            )
        )
    entries.sort(key=lambda e: e.at)
    engineer = await staff_name(ticket.assignee_id, None) if ticket.assignee_id else None
    return TicketHistory(ticket, tuple(entries), engineer or None)


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
