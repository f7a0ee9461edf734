"""Offering jobs to engineers, and their answers: accept, decline, expire."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from ticket_core.billing.approvals import HoldKind, hold_before_routing, pending_hold
from ticket_core.enums import OfferStatus, Role, TicketStatus
from ticket_core.errors import AlreadyTaken, Forbidden, InvalidTransition, NotFound, ValidationFailed
from ticket_core.events import (
    NoEngineerAvailable,
    OfferAccepted,
    OfferDeclined,
    OfferExpired,
    TicketOffered,
    TicketReturnedToQueue,
)
from ticket_core.model import Actor, Offer, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.reasons import REOPEN_RETURN, Reason, with_detail
from ticket_core.routing import (
    Candidate,
    JobFacts,
    Skip,
    Strategy,
    choose,
    nobody_reasons,
    rank_candidates,
)
from ticket_core.transitions import Action
from ticket_core.usecases._common import apply, clean_text, load_ticket, require_utc, save

DEFAULT_OFFER_TIMEOUT = timedelta(minutes=10)
NEAR_KM = 150.0
"""A job without a site (a shared location or a typed address read as a town) is offered only to engineers
whose home is within this distance: a job in Kazan does not go to an engineer in Moscow."""


async def offer_ticket(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: str,
    now: datetime,
    *,
    offer_timeout: timedelta = DEFAULT_OFFER_TIMEOUT,
    strategy: Strategy = Strategy.BEST_MATCH,
    broadcast_size: int = 5,
) -> list[Candidate]:
    """Route a waiting ticket and offer it; return who got the offer (several for a broadcast).

    Engineers who declined or let an offer expire on this ticket (since its last reopen) are not asked
    again. A job the contract holds (a client in debt, an estimate to approve: `ticket_core.billing.approvals`)
    is not offered until that is decided. When nobody is left, the ticket goes back to the queue and `NoEngineerAvailable` is recorded
    so supervisors are told. Every offer records the reasons for the choice in its event (the audit log).
    """
    require_utc(now)
    if actor.role not in (Role.SYSTEM, Role.SUPERVISOR):
        raise Forbidden("Only the dispatcher or a supervisor can offer jobs.")
    ticket = await load_ticket(uow, ticket_id)
    if ticket.status not in (TicketStatus.NEW, TicketStatus.REOPENED, TicketStatus.OFFERED):
        raise InvalidTransition(
            "Ticket {ref} is {status}; it is not waiting for an engineer.",
            ref=ticket.ref,
            status=ticket.status,
        )
    offers = await uow.offers.list_for_ticket(ticket.id)
    if any(o.status is OfferStatus.PENDING for o in offers):
        return []  # someone is already deciding; wait for the answer or the timeout
    if await hold_before_routing(uow, ticket, now):
        return []  # the client approves the estimate, or a supervisor decides on a debtor's job, first
    # After a reopen, everyone may be asked again (the engineer who knows the job first of all).
    since = ticket.reopened_at or ticket.created_at
    tried = {o.engineer_id for o in offers if o.created_at >= since}
    engineers = await uow.directory.list_staff(Role.ENGINEER)
    loads = await uow.tickets.count_active_by_assignee()
    contract = await uow.directory.get_contract(ticket.client_id)
    site = await uow.directory.get_site(ticket.site_id) if ticket.site_id else None
    job = JobFacts(
        ticket.category,
        ticket.priority,
        ticket.lat,
        ticket.lon,
        region=site.region if site is not None else None,
        min_level=ticket.min_level,
        max_km=NEAR_KM if site is None else None,
    )
    skipped: dict[Skip, int] = {}
    ranked = rank_candidates(job, engineers, loads, contract, tried, now=now, skipped=skipped)
    last = (
        await uow.offers.last_offered_at([c.engineer_id for c in ranked])
        if strategy is Strategy.ROUND_ROBIN
        else {}
    )
    returned = _who_did_the_work(ticket, ranked)
    chosen = returned or choose(ranked, strategy, last_offered=last, broadcast_size=broadcast_size)
    # The method says how this engineer was picked: a reopen that went back to its engineer was no strategy's pick.
    method = REOPEN_RETURN if returned else str(strategy)
    if not chosen:
        if ticket.status is TicketStatus.OFFERED:
            apply(ticket, Action.RETURN_TO_QUEUE, Actor.system(), now)
            await save(uow, ticket)
        reason = Reason("all_declined" if tried else "none_free")
        parts = nobody_reasons(job, skipped)
        if parts:
            reason = with_detail(reason, parts)
        uow.record(NoEngineerAvailable(ticket_id=ticket.id, actor=actor, at=now, reason=reason))
        return []
    apply(ticket, Action.OFFER, actor, now)
    await save(uow, ticket)
    for candidate in chosen:
        offer = Offer(
            id=str(uuid.uuid4()),
            ticket_id=ticket.id,
            engineer_id=candidate.engineer_id,
            status=OfferStatus.PENDING,
            created_at=now,
            expires_at=now + offer_timeout,
            score=candidate.score,
        )
        await uow.offers.add(offer)
        reasons = [*candidate.reasons, Reason("strategy", strategy=method)]
        uow.record(
            TicketOffered(
                ticket_id=ticket.id,
                actor=actor,
                at=now,
                engineer_id=candidate.engineer_id,
                offer_id=offer.id,
                reasons=reasons,
            )
        )
    return chosen


def _who_did_the_work(ticket: Ticket, ranked: list[Candidate]) -> list[Candidate]:
    """A reopened ticket goes back to the engineer who did the work, when they can take it now (on shift,
    in hours, skilled, not at their limit, and they have not declined it since the reopen)."""
    if ticket.status is not TicketStatus.REOPENED or ticket.assignee_id is None:
        return []
    for candidate in ranked:
        if candidate.engineer_id == ticket.assignee_id:
            candidate.reasons.append(Reason("did_the_work"))
            return [candidate]
    return []


async def _pending_offer(uow: UnitOfWork, ticket: Ticket, engineer_id: str) -> Offer:
    for offer in await uow.offers.list_for_ticket(ticket.id, OfferStatus.PENDING):
        if offer.engineer_id == engineer_id:
            return offer
    # The offer may have been withdrawn by an accept that committed after `ticket` was read: decide on the
    # ticket as it is now, so that a lost race says "taken", not "no longer open".
    ticket = await uow.tickets.get(ticket.id) or ticket
    if ticket.status not in (TicketStatus.NEW, TicketStatus.OFFERED, TicketStatus.REOPENED):
        if ticket.assignee_id == engineer_id:
            raise InvalidTransition("You have already accepted {ref}.", ref=ticket.ref)
        raise AlreadyTaken("Ticket {ref} was already taken by another engineer.", ref=ticket.ref)
    raise NotFound("The offer for {ref} is no longer open for you.", ref=ticket.ref)


async def accept_offer(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime) -> Ticket:
    """Accept a job. Exactly one of several concurrent accepts wins; the others get AlreadyTaken."""
    if actor.role is not Role.ENGINEER:
        raise Forbidden("Only engineers accept jobs.")
    ticket = await load_ticket(uow, ticket_id)
    offer = await _pending_offer(uow, ticket, actor.id)
    held = await pending_hold(uow, ticket)
    if held is not None:
        waits = "the client to approve the estimate" if held.kind is HoldKind.ESTIMATE else "a supervisor"
        raise ValidationFailed(
            "{ref} waits for {waits}; you can accept it once that is done.", ref=ticket.ref, waits=waits
        )
    apply(ticket, Action.ACCEPT, actor, now)
    ticket.assignee_id = actor.id
    ticket.first_response_at = ticket.first_response_at or now
    await save(uow, ticket, on_conflict="taken")
    await uow.offers.set_status(offer.id, OfferStatus.ACCEPTED, now)
    for other in await uow.offers.list_for_ticket(ticket.id, OfferStatus.PENDING):
        await uow.offers.set_status(other.id, OfferStatus.WITHDRAWN, now, "taken by another engineer")
    uow.record(OfferAccepted(ticket_id=ticket.id, actor=actor, at=now, engineer_id=actor.id))
    return ticket


async def decline_offer(
    uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime, reason: str | None = None
) -> Ticket:
    """Decline a job; the dispatcher then offers it to the next candidate."""
    require_utc(now)
    if actor.role is not Role.ENGINEER:
        raise Forbidden("Only engineers decline jobs.")
    reason = clean_text(reason, field="reason", max_len=500)
    ticket = await load_ticket(uow, ticket_id)
    offer = await _pending_offer(uow, ticket, actor.id)
    await uow.offers.set_status(offer.id, OfferStatus.DECLINED, now, reason)
    uow.record(OfferDeclined(ticket_id=ticket.id, actor=actor, at=now, engineer_id=actor.id, reason=reason))
    await _requeue_if_nobody_left(uow, ticket, now, "offer declined")
    return ticket


async def expire_offers(uow: UnitOfWork, now: datetime, limit: int = 100) -> list[str]:
    """Expire pending offers past their deadline; return the ids of tickets to offer again."""
    require_utc(now)
    tickets: list[str] = []
    for offer in await uow.offers.list_expired(now, limit):
        ticket = await uow.tickets.get(offer.ticket_id)
        if ticket is None or ticket.status is not TicketStatus.OFFERED:
            # The ticket moved on (cancelled, taken, reassigned) and a path left this offer pending: the
            # timer of that old state must not fire, tell the engineer or touch the ticket.
            why = f"ticket is {ticket.status}" if ticket is not None else "ticket is gone"
            await uow.offers.set_status(offer.id, OfferStatus.WITHDRAWN, now, why)
            continue
        await uow.offers.set_status(offer.id, OfferStatus.EXPIRED, now, "no answer in time")
        uow.record(
            OfferExpired(
                ticket_id=offer.ticket_id, actor=Actor.system(), at=now, engineer_id=offer.engineer_id
            )
        )
        await _requeue_if_nobody_left(uow, ticket, now, "offer expired")
        tickets.append(ticket.id)
    return tickets


async def withdraw_pending_offers(
    uow: UnitOfWork, ticket_id: str, now: datetime, why: str
) -> tuple[str, ...]:
    """Withdraw the ticket's pending offers (it no longer waits for an engineer); return to whom they were."""
    pending = await uow.offers.list_for_ticket(ticket_id, OfferStatus.PENDING)
    for offer in pending:
        await uow.offers.set_status(offer.id, OfferStatus.WITHDRAWN, now, why)
    return tuple(offer.engineer_id for offer in pending)


async def _requeue_if_nobody_left(uow: UnitOfWork, ticket: Ticket, now: datetime, reason: str) -> None:
    if ticket.status is not TicketStatus.OFFERED:
        return
    if await uow.offers.list_for_ticket(ticket.id, OfferStatus.PENDING):
        return
    apply(ticket, Action.RETURN_TO_QUEUE, Actor.system(), now)
    await save(uow, ticket)
    uow.record(TicketReturnedToQueue(ticket_id=ticket.id, actor=Actor.system(), at=now, reason=reason))
