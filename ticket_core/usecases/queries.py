"""Read-side use cases: what an actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticket_core.enums import OPEN_STATUSES, Role, TicketStatus
from ticket_core.errors import Forbidden
from ticket_core.events import TicketOffered
from ticket_core.model import Actor, Offer, Ticket, format_ref
from ticket_core.ports import UnitOfWork
from ticket_core.usecases._common import ensure_may_see, ticket_not_found


async def get_ticket_by_number(uow: UnitOfWork, actor: Actor, number: int) -> Ticket:
    """Return a ticket the actor may see, or raise NotFound."""
    ticket = await uow.tickets.get_by_number(number)
    if ticket is None:
        raise ticket_not_found(format_ref(number), actor)
    ensure_may_see(ticket, actor)
    return ticket


async def list_my_tickets(
    uow: UnitOfWork, actor: Actor, *, open_only: bool = False, limit: int = 10
) -> list[Ticket]:
    """A client's tickets, newest first."""
    if actor.role is not Role.CLIENT or actor.client_id is None:
        raise Forbidden("Only clients have requests.")
    statuses = sorted(OPEN_STATUSES) if open_only else None
    return await uow.tickets.list_for_client(actor.client_id, statuses, limit)


async def list_my_jobs(uow: UnitOfWork, actor: Actor, limit: int = 20) -> list[Ticket]:
    """An engineer's active jobs, newest first."""
    if actor.role is not Role.ENGINEER:
        raise Forbidden("Only engineers have jobs.")
    statuses = [TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD]
    return await uow.tickets.list_for_assignee(actor.id, statuses, limit)


@dataclass(frozen=True, slots=True)
class OfferedJob:
    """A job offered to an engineer that waits for their answer, and why it was offered to them."""

    ticket: Ticket
    offer: Offer
    reasons: list[str]


async def list_my_offers(uow: UnitOfWork, actor: Actor, now: datetime, limit: int = 20) -> list[OfferedJob]:
    """The offers waiting for this engineer's answer, newest first: a reopened job offered back to the
    engineer who did the work stays in their list of jobs until they accept or decline it. Only the
    engineer the offer is addressed to sees it."""
    if actor.role is not Role.ENGINEER:
        raise Forbidden("Only engineers have jobs.")
    found: list[OfferedJob] = []
    for offer in await uow.offers.list_pending_for_engineer(actor.id, limit):
        ticket = await uow.tickets.get(offer.ticket_id)
        if ticket is None or ticket.status is not TicketStatus.OFFERED or offer.expires_at <= now:
            continue  # the ticket moved on, or the offer's time is up: the timer withdraws or expires it
        events = await uow.events.list_for_ticket(ticket.id)
        reasons = next(
            (
                list(e["data"].get("reasons") or [])
                for e in reversed(events)
                if e["name"] == TicketOffered.name and e["data"].get("offer_id") == offer.id
            ),
            [],
        )
        found.append(OfferedJob(ticket, offer, reasons))
    return found
