"""Opening a ticket."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from ticket_core.enums import Priority, Role
from ticket_core.equipment.opening import link_ticket, unit_for_ticket
from ticket_core.errors import Forbidden, NotFound, ValidationFailed
from ticket_core.events import TicketOpened
from ticket_core.model import Actor, Attachment, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.transitions import check_open
from ticket_core.usecases._common import check_location, clean_text, require_utc

MAX_DESCRIPTION = 4000
MAX_ATTACHMENTS = 20


@dataclass(slots=True)
class TicketDraft:
    """What a person asked for, before it becomes a ticket."""

    client_id: str
    category: str
    description: str
    priority: Priority = Priority.P3
    contact_id: str | None = None
    site_id: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    attachments: list[Attachment] = field(default_factory=list)
    source_channel: str | None = None
    unit_id: str | None = None  # the equipment unit it is about (`ticket_core.equipment`)
    unit_via: str = "chat"  # how the unit was named: chat (a sticker or a pick), alert, maintenance


async def open_ticket(uow: UnitOfWork, actor: Actor, draft: TicketDraft, now: datetime) -> Ticket:
    """Open a ticket from a draft and record `TicketOpened`.

    A client may open tickets only for their own client and their own sites, except about a unit of another
    client's (a visitor who scanned its sticker): that ticket is the unit's client's, flagged as a visitor's.

    Raises:
        Forbidden: the actor may not open this ticket.
        ValidationFailed: the draft is incomplete or malformed.
        NotFound: the client or site does not exist.
    """
    require_utc(now)
    check_open(actor)
    unit, visitor = None, False
    if draft.unit_id is not None:
        unit, visitor = await unit_for_ticket(uow, actor, draft.unit_id, draft.client_id)
        if draft.site_id not in (None, unit.site_id):
            raise ValidationFailed(
                "That equipment is at another site. Choose its site or leave the site out."
            )
        draft.site_id = unit.site_id
    if actor.role is Role.CLIENT and actor.client_id != draft.client_id and not visitor:
        raise Forbidden("You can open requests only for your own company.")
    scope = actor.scope if actor.role is Role.CLIENT and not visitor else None
    if scope is not None and not scope.manager and scope.site_id is not None:
        if draft.site_id not in (None, scope.site_id):
            raise NotFound("That site is not one of yours. Choose a site from the list.")
        draft.site_id = scope.site_id
    description = clean_text(
        draft.description, field="problem description", max_len=MAX_DESCRIPTION, required=True
    )
    category = clean_text(draft.category, field="category", max_len=64, required=True)
    if len(draft.attachments) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            "At most {max_attachments} attachments per request.", max_attachments=MAX_ATTACHMENTS
        )
    client = await uow.directory.get_client(draft.client_id)
    if client is None:
        raise NotFound("Unknown client.")
    lat, lon, address = draft.lat, draft.lon, clean_text(draft.address, field="address", max_len=500)
    if draft.site_id is not None:
        site = await uow.directory.get_site(draft.site_id)
        if site is None or site.client_id != draft.client_id:
            raise NotFound("That site is not one of yours. Choose a site from the list.")
        lat = site.lat if lat is None else lat
        lon = site.lon if lon is None else lon
        address = address or site.address
    check_location(lat, lon)
    ticket = Ticket(
        id=str(uuid.uuid4()),
        number=await uow.tickets.next_number(),
        client_id=draft.client_id,
        contact_id=draft.contact_id if actor.role is not Role.CLIENT else actor.id,
        category=category or "",
        priority=Priority(draft.priority),
        description=description or "",
        created_at=now,
        updated_at=now,
        site_id=draft.site_id,
        address=address,
        lat=lat,
        lon=lon,
        attachments=list(draft.attachments),
        source_channel=draft.source_channel,
    )
    await uow.tickets.add(ticket)
    uow.record(
        TicketOpened(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            number=ticket.number,
            category=ticket.category,
            priority=str(ticket.priority),
        )
    )
    if unit is not None:
        await link_ticket(uow, actor, ticket, unit, visitor=visitor, via=draft.unit_via, now=now)
    return ticket
