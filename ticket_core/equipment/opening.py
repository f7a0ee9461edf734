"""A ticket about a unit: which client and site it belongs to, whether the reporter is a visitor, the link."""

from __future__ import annotations

from datetime import datetime

from ticket_core.enums import Role
from ticket_core.equipment.events import UnitReported
from ticket_core.equipment.model import Unit, UnitStatus
from ticket_core.errors import NotFound, ValidationFailed
from ticket_core.model import Actor, Ticket
from ticket_core.ports import UnitOfWork


async def unit_for_ticket(uow: UnitOfWork, actor: Actor, unit_id: str, client_id: str) -> tuple[Unit, bool]:
    """The unit a new ticket is about, and whether the person reporting it is a visitor.

    The ticket belongs to the unit's client and site. A client of another company may report it (a visitor
    who noticed a leak): that ticket is flagged, and they still cannot see the client's other tickets.

    Raises:
        NotFound: no such unit, or the draft names a client the unit does not belong to.
        ValidationFailed: the unit is retired.
    """
    unit = await uow.equipment.get(unit_id)
    if unit is None or unit.client_id != client_id:
        raise NotFound("That equipment is not in the registry. Describe the problem and where it is instead.")
    if unit.status is UnitStatus.RETIRED:
        raise ValidationFailed("That unit is retired. Describe the problem and where it is instead.")
    visitor = actor.role is Role.CLIENT and actor.client_id != unit.client_id
    return unit, visitor


async def link_ticket(
    uow: UnitOfWork, actor: Actor, ticket: Ticket, unit: Unit, *, visitor: bool, via: str, now: datetime
) -> None:
    """Record that the ticket is about the unit, with an audit event."""
    await uow.equipment.link_ticket(ticket.id, unit.id, visitor=visitor)
    uow.record(
        UnitReported(ticket_id=ticket.id, actor=actor, at=now, unit_id=unit.id, visitor=visitor, via=via)
    )
