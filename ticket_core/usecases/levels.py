"""Escalation by level: a job that needs a more senior engineer (L1 -> L2 -> L3) is routed again."""

from __future__ import annotations

from datetime import datetime

from ticket_core.enums import OPEN_STATUSES, OfferStatus, Role, TicketStatus
from ticket_core.errors import Forbidden, InvalidTransition, ValidationFailed
from ticket_core.events import TicketLevelRaised
from ticket_core.model import MAX_LEVEL, Actor, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.transitions import Action
from ticket_core.usecases._common import apply, clean_text, load_ticket, require_utc, save
from ticket_core.usecases.work import step_aside


async def raise_level(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: str,
    now: datetime,
    reason: str | None = None,
    to_level: int | None = None,
) -> Ticket:
    """Require a higher engineer level for a job and send it back to routing when its holder is below it.

    An engineer escalates their own job one level above their own (an L1 to L2, an L2 to L3); the job
    leaves them and is offered only to engineers of that level or higher. An L3 cannot escalate. A
    supervisor sets any higher level (`to_level`, default one up); an assignee or pending offers below the
    new level are taken back and the job is routed again.

    Raises:
        Forbidden: the actor is not the job's engineer or a supervisor.
        ValidationFailed: the level is not above the current one or above L3.
        InvalidTransition: the ticket is no longer open.
    """
    require_utc(now)
    text = clean_text(reason, field="reason", max_len=500)
    ticket = await load_ticket(uow, ticket_id)
    if actor.role is Role.ENGINEER:
        if ticket.assignee_id != actor.id:
            raise Forbidden("Ticket {ref} is assigned to someone else.", ref=ticket.ref)
        member = await uow.directory.get_staff(actor.id)
        own = member.level if member is not None else 1
        target = max(own, ticket.min_level) + 1
        if target > MAX_LEVEL:
            raise ValidationFailed(
                "L{max_level} is the highest level, so {ref} cannot be escalated further. Hand it over to another engineer or ask a supervisor.",
                max_level=MAX_LEVEL,
                ref=ticket.ref,
            )
        return await _escalate_own(uow, actor, ticket, now, text, target)
    if actor.role is not Role.SUPERVISOR:
        raise Forbidden("Only the job's engineer or a supervisor can raise a ticket's level.")
    target = ticket.min_level + 1 if to_level is None else to_level
    if not ticket.min_level < target <= MAX_LEVEL:
        if ticket.min_level >= MAX_LEVEL:
            raise ValidationFailed(
                "{ref} already needs L{level}, the highest level.", ref=ticket.ref, level=MAX_LEVEL
            )
        raise ValidationFailed(
            "{ref} already needs L{level}; choose a level from L{lowest} to L{highest}.",
            ref=ticket.ref,
            level=ticket.min_level,
            lowest=ticket.min_level + 1,
            highest=MAX_LEVEL,
        )
    return await _set_by_supervisor(uow, actor, ticket, now, text, target)


async def _escalate_own(
    uow: UnitOfWork, actor: Actor, ticket: Ticket, now: datetime, reason: str | None, target: int
) -> Ticket:
    previous = ticket.min_level
    ticket.min_level = target
    await step_aside(uow, actor, ticket, now, f"escalated to L{target}")
    uow.record(
        TicketLevelRaised(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            from_level=previous,
            to_level=target,
            reason=reason,
            from_engineer_id=actor.id,
            returned_to_queue=True,
        )
    )
    return ticket


async def _set_by_supervisor(
    uow: UnitOfWork, actor: Actor, ticket: Ticket, now: datetime, reason: str | None, target: int
) -> Ticket:
    if ticket.status not in OPEN_STATUSES:
        raise InvalidTransition(
            "Ticket {ref} is {status}; its level can no longer change.", ref=ticket.ref, status=ticket.status
        )
    previous = ticket.min_level
    ticket.min_level = target
    ticket.updated_at = now
    returned = False
    holder = ticket.assignee_id
    if holder is not None:
        member = await uow.directory.get_staff(holder)
        if member is None or member.level < target:
            apply(ticket, Action.RETURN_TO_QUEUE, actor, now)
            ticket.assignee_id = None
            returned = True
        else:
            holder = None  # the assignee is senior enough and keeps the job
    elif ticket.status is TicketStatus.OFFERED:
        pending = await uow.offers.list_for_ticket(ticket.id, OfferStatus.PENDING)
        kept = 0
        for offer in pending:
            member = await uow.directory.get_staff(offer.engineer_id)
            if member is None or member.level < target:
                await uow.offers.set_status(offer.id, OfferStatus.WITHDRAWN, now, f"needs L{target}")
            else:
                kept += 1
        if not kept:
            apply(ticket, Action.RETURN_TO_QUEUE, actor, now)
            returned = True
    await save(uow, ticket)
    uow.record(
        TicketLevelRaised(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            from_level=previous,
            to_level=target,
            reason=reason,
            from_engineer_id=holder,
            returned_to_queue=returned,
        )
    )
    return ticket
