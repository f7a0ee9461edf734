"""Read-side use cases: what an actor may see."""

from __future__ import annotations

from ticket_core.enums import OPEN_STATUSES, Role, TicketStatus
from ticket_core.errors import Forbidden
from ticket_core.model import Actor, Ticket, format_ref
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
