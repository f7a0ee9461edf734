"""The engineer's job steps: start (on the way / on site), hold, resume, resolve."""

from __future__ import annotations

from datetime import datetime

from ticket_core.errors import ValidationFailed
from ticket_core.events import TicketPutOnHold, TicketResolved, WorkResumed, WorkStarted
from ticket_core.model import Actor, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.transitions import Action
from ticket_core.usecases._common import apply, clean_text, load_ticket, save

MAX_NOTE = 4000
MAX_TIME_SPENT_MIN = 7 * 24 * 60


async def start_work(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime) -> Ticket:
    """Mark an accepted job as in progress (the engineer is on the way or on site)."""
    ticket = await load_ticket(uow, ticket_id)
    apply(ticket, Action.START, actor, now)
    await save(uow, ticket)
    uow.record(WorkStarted(ticket_id=ticket.id, actor=actor, at=now))
    return ticket


async def put_on_hold(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime, reason: str) -> Ticket:
    """Pause a job while waiting for parts or for the client."""
    text = clean_text(reason, field="reason for waiting", max_len=500, required=True)
    ticket = await load_ticket(uow, ticket_id)
    apply(ticket, Action.HOLD, actor, now)
    await save(uow, ticket)
    uow.record(TicketPutOnHold(ticket_id=ticket.id, actor=actor, at=now, reason=text or ""))
    return ticket


async def resume_work(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime) -> Ticket:
    """Resume a job that was on hold."""
    ticket = await load_ticket(uow, ticket_id)
    apply(ticket, Action.RESUME, actor, now)
    await save(uow, ticket)
    uow.record(WorkResumed(ticket_id=ticket.id, actor=actor, at=now))
    return ticket


async def resolve_ticket(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: str,
    now: datetime,
    note: str,
    time_spent_min: int | None = None,
) -> Ticket:
    """Mark the job done with a resolution note (and the time spent); the client is then asked to rate."""
    text = clean_text(note, field="resolution note", max_len=MAX_NOTE, required=True)
    if time_spent_min is not None and not (0 <= time_spent_min <= MAX_TIME_SPENT_MIN):
        raise ValidationFailed("Time spent must be between 0 minutes and 7 days.")
    ticket = await load_ticket(uow, ticket_id)
    apply(ticket, Action.RESOLVE, actor, now)
    ticket.resolution_note = text
    ticket.time_spent_min = time_spent_min
    await save(uow, ticket)
    uow.record(
        TicketResolved(
            ticket_id=ticket.id, actor=actor, at=now, note=text or "", time_spent_min=time_spent_min
        )
    )
    return ticket
