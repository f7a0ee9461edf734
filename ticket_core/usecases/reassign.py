"""A supervisor takes a job from its engineer: the engineers it may go to, and the reassignment itself.

Both the SLA alert's Reassign button and the staff chat's `/reassign HD-1001 [engineer]` call these; only a
supervisor or an admin may, and the change records `TicketReassigned` (and `TicketOffered` when an engineer
is named).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ticket_core.enums import ACTIVE_JOB_STATUSES, OfferStatus, Role, TicketStatus
from ticket_core.errors import InvalidTransition, NotFound, ValidationFailed
from ticket_core.events import TicketOffered
from ticket_core.model import Actor, Offer, StaffMember, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.reasons import Reason
from ticket_core.sla.events import TicketReassigned
from ticket_core.transitions import Action
from ticket_core.usecases._common import apply, clean_text, load_ticket, require_utc, save
from ticket_core.usecases.offers import DEFAULT_OFFER_TIMEOUT, withdraw_pending_offers
from ticket_core.usecases.sla import MAX_REASON, require_supervisor

QUEUED = frozenset({TicketStatus.NEW, TicketStatus.REOPENED})
"""Waiting in the queue: such a ticket may only be given to a named engineer."""
REASSIGNABLE = frozenset({*ACTIVE_JOB_STATUSES, TicketStatus.OFFERED, *QUEUED})
"""A ticket in these may be given to another engineer (one waiting in the queue only to a named one)."""


def _require_reassignable(ticket: Ticket) -> None:
    if ticket.status not in REASSIGNABLE:
        raise InvalidTransition(
            "Ticket {ref} is {status}; there is no job to reassign.", ref=ticket.ref, status=ticket.status
        )


@dataclass(frozen=True, slots=True)
class ReassignChoice:
    """Whom a job may go to: the engineers on shift other than its assignee and those the client's contract
    excludes, the ones with the ticket's skill first (then by name), and each engineer's active jobs."""

    ticket: Ticket
    engineers: list[StaffMember]
    loads: dict[str, int]


async def reassign_choice(uow: UnitOfWork, actor: Actor, ticket_id: str) -> ReassignChoice:
    """The engineers a supervisor may give a ticket to (reads only; `reassign` makes the change).

    Raises:
        Forbidden: the actor is not a supervisor or admin.
        InvalidTransition: the ticket is not waiting or being worked on.
    """
    require_supervisor(actor, "reassign a job")
    ticket = await load_ticket(uow, ticket_id)
    _require_reassignable(ticket)
    contract = await uow.directory.get_contract(ticket.client_id)
    excluded = set(contract.excluded_engineers) if contract else set()
    engineers = [
        m
        for m in await uow.directory.list_staff(Role.ENGINEER)
        if m.id != ticket.assignee_id and m.on_shift and m.id not in excluded
    ]
    # Engineers with the ticket's skill first; then the rest, so a supervisor may still pick anyone.
    engineers.sort(key=lambda m: (ticket.category not in m.skills, m.name))
    return ReassignChoice(ticket, engineers, await uow.tickets.count_active_by_assignee())


async def reassign(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: str,
    now: datetime,
    to_engineer_id: str | None = None,
    reason: str | None = None,
) -> Ticket:
    """Take a job from its engineer: back to the queue (routing skips the old assignee), or offer it to one.

    Pending offers are withdrawn. Back in the queue the ticket is NEW and routed again; every engineer who
    had an offer since it was opened (the old assignee too) is skipped. With `to_engineer_id` the named
    engineer gets the offer card at once.

    Raises:
        Forbidden: the actor is not a supervisor or admin.
        NotFound: the named engineer does not exist.
        ValidationFailed: the named engineer is the one who has it, or the client's contract excludes them.
        InvalidTransition: the ticket is not waiting or being worked on, or is already in the queue and no
            engineer was named.
    """
    require_utc(now)
    require_supervisor(actor, "reassign a job")
    note = clean_text(reason, field="reason", max_len=MAX_REASON)
    ticket = await load_ticket(uow, ticket_id)
    previous = ticket.assignee_id
    target = None
    if to_engineer_id is not None:
        target = await uow.directory.get_staff(to_engineer_id)
        if target is None or target.role is not Role.ENGINEER:
            raise NotFound("No such engineer. Choose one from the staff list.")
        if target.id == previous:
            raise ValidationFailed("{name} already has {ref}.", name=target.name, ref=ticket.ref)
        contract = await uow.directory.get_contract(ticket.client_id)
        if contract is not None and target.id in contract.excluded_engineers:
            # Routing never offers them this client's jobs; a supervisor's pick must not either.
            raise ValidationFailed(
                "{name} is excluded by the client's contract ({contract}); choose another engineer.",
                name=target.name,
                contract=contract.name,
            )
    _require_reassignable(ticket)
    if ticket.status not in QUEUED:
        apply(ticket, Action.RETURN_TO_QUEUE, actor, now)
    elif target is None:
        raise InvalidTransition(
            "Ticket {ref} is waiting in the queue already; name an engineer to give it to.", ref=ticket.ref
        )
    await withdraw_pending_offers(uow, ticket.id, now, "reassigned by a supervisor")
    ticket.assignee_id = None
    offer: Offer | None = None
    if target is not None:
        apply(ticket, Action.OFFER, actor, now)
        offer = Offer(
            str(uuid.uuid4()), ticket.id, target.id, OfferStatus.PENDING, now, now + DEFAULT_OFFER_TIMEOUT
        )
        await uow.offers.add(offer)
    await save(uow, ticket)
    uow.record(
        TicketReassigned(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            previous_assignee_id=previous,
            to_engineer_id=target.id if target else None,
            reason=note,
        )
    )
    if offer is not None and target is not None:
        who = actor.name or actor.id
        uow.record(
            TicketOffered(
                ticket_id=ticket.id,
                actor=actor,
                at=now,
                engineer_id=target.id,
                offer_id=offer.id,
                reasons=[Reason("chosen_by", name=who)],
            )
        )
    return ticket
