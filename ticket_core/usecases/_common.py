"""Helpers shared by the use cases: load a ticket for an actor, apply a transition, save it."""

from __future__ import annotations

from datetime import datetime

from ticket_core.enums import Role, TicketStatus
from ticket_core.errors import AlreadyTaken, Forbidden, NotFound, StaleTicket, ValidationFailed
from ticket_core.model import Actor, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.transitions import Action, check

STATUS_STAMP: dict[TicketStatus, str] = {
    TicketStatus.OFFERED: "offered_at",
    TicketStatus.ACCEPTED: "accepted_at",
    TicketStatus.IN_PROGRESS: "started_at",
    TicketStatus.ON_HOLD: "on_hold_at",
    TicketStatus.RESOLVED: "resolved_at",
    TicketStatus.CLOSED: "closed_at",
    TicketStatus.CANCELLED: "cancelled_at",
    TicketStatus.REOPENED: "reopened_at",
}
"""Which timestamp records the last time a ticket entered each status."""


def require_utc(now: datetime) -> None:
    """Refuse naive timestamps: every stored time is timezone-aware UTC."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")


async def load_ticket(uow: UnitOfWork, ticket_id: str) -> Ticket:
    """Return a ticket or raise NotFound."""
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        raise NotFound("No such ticket. Check the number and try again.")
    return ticket


def ticket_not_found(ref: str, actor: Actor) -> NotFound:
    """The one refusal for a ticket that does not exist and for one the actor may not see.

    Word for word the same in both cases (it depends only on the number asked for and who asks), so a
    client cannot tell another client's ticket from a missing one and probe the numbers.
    """
    if actor.role in (Role.CLIENT, Role.ENGINEER):
        return NotFound("No ticket {ref} among yours. Check the number and try again.", ref=ref)
    return NotFound("No ticket {ref}. Check the number and try again.", ref=ref)


def ensure_may_see(ticket: Ticket, actor: Actor) -> None:
    """Raise NotFound (not Forbidden, so numbers cannot be probed) when the actor may not see the ticket."""
    if actor.role is Role.CLIENT and (
        actor.client_id != ticket.client_id or not actor.may_see_site_of(ticket)
    ):
        raise ticket_not_found(ticket.ref, actor)
    if actor.role is Role.ENGINEER and ticket.assignee_id not in (actor.id, None):
        raise ticket_not_found(ticket.ref, actor)


def apply(ticket: Ticket, action: Action, actor: Actor, now: datetime) -> TicketStatus:
    """Check the transition for `actor`, move the ticket and stamp the time; return the previous status."""
    require_utc(now)
    target = check(action, ticket, actor)
    previous = ticket.status
    ticket.status = target
    ticket.updated_at = now
    stamp = STATUS_STAMP.get(target)
    if stamp:
        setattr(ticket, stamp, now)
    return previous


async def save(uow: UnitOfWork, ticket: Ticket, *, on_conflict: str | None = None) -> None:
    """Save with the optimistic lock; a concurrent change becomes a clear domain error."""
    try:
        await uow.tickets.update(ticket)
    except StaleTicket as exc:
        if on_conflict == "taken":
            raise AlreadyTaken("Ticket {ref} was just taken by another engineer.", ref=ticket.ref) from exc
        raise Forbidden(
            "Ticket {ref} was changed by someone else just now. Look at it again and retry.", ref=ticket.ref
        ) from exc


def clean_text(value: str | None, *, field: str, max_len: int, required: bool = False) -> str | None:
    """Strip a text field and check its length."""
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationFailed("Please give the {field}.", field=field)
        return None
    if len(text) > max_len:
        raise ValidationFailed(
            "The {field} is too long ({length} characters); keep it under {max_len}.",
            field=field,
            length=len(text),
            max_len=max_len,
        )
    return text


def check_location(lat: float | None, lon: float | None) -> None:
    """Both coordinates or neither, each within range; else ValidationFailed."""
    if (lat is None) != (lon is None):
        raise ValidationFailed("The location is not valid. Share it again from your phone.")
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed("The location is not valid. Share it again from your phone.")
