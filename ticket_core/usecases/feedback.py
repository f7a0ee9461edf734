"""What the client does after the work: rate, close, reopen; and cancelling a request."""

from __future__ import annotations

from datetime import datetime, timedelta

from ticket_core.enums import Role, TicketStatus
from ticket_core.errors import Forbidden, InvalidTransition, ValidationFailed
from ticket_core.events import RatingCommented, TicketCancelled, TicketClosed, TicketRated, TicketReopened
from ticket_core.model import Actor, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.transitions import Action
from ticket_core.usecases._common import apply, clean_text, ensure_may_see, load_ticket, save
from ticket_core.usecases.offers import withdraw_pending_offers

DEFAULT_REOPEN_WINDOW = timedelta(days=7)


async def rate_ticket(
    uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime, score: int, comment: str | None = None
) -> Ticket:
    """Record the client's 1-5 rating; a resolved ticket is closed by it. A ticket is rated once."""
    if actor.role is not Role.CLIENT:
        raise Forbidden("Only the client rates the work.")
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationFailed("Rate from 1 to 5.")
    text = clean_text(comment, field="comment", max_len=1000)
    ticket = await load_ticket(uow, ticket_id)
    ensure_may_see(ticket, actor)
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise InvalidTransition(
            "Ticket {ref} is not finished yet; you can rate it once it is resolved.", ref=ticket.ref
        )
    if ticket.rating is not None:
        raise InvalidTransition("You have already rated {ref}. Thank you!", ref=ticket.ref)
    ticket.rating = score
    ticket.rating_comment = text
    ticket.updated_at = now
    if ticket.status is TicketStatus.RESOLVED:
        apply(ticket, Action.CLOSE, actor, now)
        uow.record(TicketClosed(ticket_id=ticket.id, actor=actor, at=now))
    await save(uow, ticket)
    uow.record(TicketRated(ticket_id=ticket.id, actor=actor, at=now, score=score, comment=text))
    return ticket


async def add_rating_comment(
    uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime, comment: str
) -> Ticket:
    """Attach the client's comment to a rating they gave without one."""
    if actor.role is not Role.CLIENT:
        raise Forbidden("Only the client comments on their rating.")
    text = clean_text(comment, field="comment", max_len=1000, required=True)
    ticket = await load_ticket(uow, ticket_id)
    ensure_may_see(ticket, actor)
    if ticket.rating is None:
        raise InvalidTransition("{ref} has no rating yet; rate it from 1 to 5 first.", ref=ticket.ref)
    if ticket.rating_comment:
        raise InvalidTransition("Your comment on {ref} is already saved.", ref=ticket.ref)
    ticket.rating_comment = text
    ticket.updated_at = now
    await save(uow, ticket)
    uow.record(RatingCommented(ticket_id=ticket.id, actor=actor, at=now, comment=text or ""))
    return ticket


async def close_ticket(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime) -> Ticket:
    """Close a resolved ticket (the client confirms, or the system after the confirmation period)."""
    ticket = await load_ticket(uow, ticket_id)
    ensure_may_see(ticket, actor)
    apply(ticket, Action.CLOSE, actor, now)
    await save(uow, ticket)
    uow.record(TicketClosed(ticket_id=ticket.id, actor=actor, at=now))
    return ticket


async def cancel_ticket(
    uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime, reason: str | None = None
) -> Ticket:
    """Cancel a request that is still open."""
    text = clean_text(reason, field="reason", max_len=500)
    ticket = await load_ticket(uow, ticket_id)
    ensure_may_see(ticket, actor)
    previous_assignee = ticket.assignee_id
    apply(ticket, Action.CANCEL, actor, now)
    await save(uow, ticket)
    offered_to = await withdraw_pending_offers(uow, ticket.id, now, "ticket cancelled")
    uow.record(
        TicketCancelled(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            reason=text,
            previous_assignee_id=previous_assignee,
            offered_to=offered_to,
        )
    )
    return ticket


async def reopen_ticket(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: str,
    now: datetime,
    reason: str | None = None,
    window: timedelta = DEFAULT_REOPEN_WINDOW,
) -> Ticket:
    """Reopen a resolved or closed ticket; a client may do it only within the reopen window."""
    text = clean_text(reason, field="reason", max_len=1000)
    ticket = await load_ticket(uow, ticket_id)
    ensure_may_see(ticket, actor)
    if actor.role is Role.CLIENT and ticket.resolved_at is not None and now - ticket.resolved_at > window:
        raise InvalidTransition(
            "{ref} was resolved more than {days} days ago; please open a new request instead.",
            ref=ticket.ref,
            days=window.days,
        )
    apply(ticket, Action.REOPEN, actor, now)
    ticket.reopen_count += 1
    ticket.rating = None
    ticket.rating_comment = None
    await save(uow, ticket)
    uow.record(TicketReopened(ticket_id=ticket.id, actor=actor, at=now, reason=text))
    return ticket
