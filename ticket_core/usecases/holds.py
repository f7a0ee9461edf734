"""Answers to a held job: the client's estimate approval, a supervisor's decision on a debtor's job.

See `ticket_core.billing.approvals` for when a job is held.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ticket_core.billing.approvals import (
    WAITING,
    WORKING,
    HoldKind,
    HoldStatus,
    JobHold,
    holds_of_round,
    new_hold,
    ticket_outlook,
)
from ticket_core.billing.events import DebtHoldDecided, EstimateAnswered, EstimateRevised, RevisionAnswered
from ticket_core.billing.money import money
from ticket_core.billing.outlook import PaidBy
from ticket_core.enums import Role
from ticket_core.errors import Forbidden, ValidationFailed
from ticket_core.model import Actor, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.usecases._common import clean_text, ensure_may_see, load_ticket, require_utc
from ticket_core.usecases.feedback import cancel_ticket


async def _decide(
    uow: UnitOfWork, actor: Actor, ticket: Ticket, kind: HoldKind, approve: bool, now: datetime
) -> JobHold:
    store = uow.billing
    hold = (await holds_of_round(uow, ticket)).get(kind)
    if (
        store is None
        or hold is None
        or ticket.status not in (WORKING if kind is HoldKind.REVISION else WAITING)
    ):
        what = "estimate" if kind is HoldKind.ESTIMATE else "go-ahead"
        raise ValidationFailed("{ref} does not wait for an {what} now.", ref=ticket.ref, what=what)
    if hold.status is not HoldStatus.PENDING:
        raise ValidationFailed("{ref} was {status} already.", ref=ticket.ref, status=hold.status)
    status = HoldStatus.APPROVED if approve else HoldStatus.DECLINED
    if not await store.decide_hold(ticket.id, hold.round, kind, status, now, actor.id):
        raise ValidationFailed(
            "{ref} was answered a moment ago.", ref=ticket.ref
        )  # another press won the race
    return hold


async def answer_estimate(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: str,
    approve: bool,
    now: datetime,
    reason: str | None = None,
) -> JobHold:
    """The client approves the estimate (the job is then offered) or declines it (the request is cancelled).

    A supervisor or admin may answer for the client (an approval given by phone or e-mail), and must then say
    why (`reason`): the audit event keeps who answered, that it was on the client's behalf, and why.
    """
    require_utc(now)
    ticket = await load_ticket(uow, ticket_id)
    ensure_may_see(ticket, actor)
    if actor.role not in (Role.CLIENT, Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("Only the client (or a supervisor for them) answers an estimate.")
    on_behalf = actor.role is not Role.CLIENT
    why = clean_text(reason, field="reason", max_len=500, required=on_behalf) if on_behalf else None
    revision = (await holds_of_round(uow, ticket)).get(HoldKind.REVISION)
    if revision is not None and revision.status is HoldStatus.PENDING and ticket.status in WORKING:
        hold = await _decide(uow, actor, ticket, HoldKind.REVISION, approve, now)
        uow.record(
            RevisionAnswered(
                ticket_id=ticket.id,
                actor=actor,
                at=now,
                approved=approve,
                total=hold.details.get("total", str(hold.amount)),
                currency=hold.currency,
                on_behalf=on_behalf,
                reason=why,
            )
        )
        return hold  # declined: the job goes on within the first estimate, nothing is cancelled
    hold = await _decide(uow, actor, ticket, HoldKind.ESTIMATE, approve, now)
    uow.record(
        EstimateAnswered(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            approved=approve,
            rate=hold.details.get("price", str(hold.amount)),
            currency=hold.currency,
            on_behalf=on_behalf,
            reason=why,
        )
    )
    if not approve:
        await cancel_ticket(uow, actor, ticket.id, now, "estimate declined")
    return hold


MAX_REVISED_HOURS = Decimal(100)
MAX_PARTS = Decimal(10_000_000)


async def revise_estimate(
    uow: UnitOfWork, actor: Actor, ticket_id: str, hours: Decimal, parts: Decimal, now: datetime
) -> JobHold:
    """The engineer on site, after the diagnosis, revises the estimate (hours of work and parts); the client
    approves the new one in chat (`answer_estimate`, or a supervisor for them) before the extra work.

    The rate is the one the client approved (the price agreed), else the contract's for the engineer's level;
    the total is the hours at that rate, the call-out and the parts (before VAT). One revision a round; while
    it waits, the job cannot be marked done (`resolve_ticket` asks `pending_revision`). Audited as
    `estimate_revised`.

    Raises:
        Forbidden: not the engineer on the job.
        ValidationFailed: the job is not being worked on, the numbers are out of range, the client does not
            pay for the work, or the estimate was revised already in this round.
    """
    require_utc(now)
    ticket = await load_ticket(uow, ticket_id)
    if actor.role is not Role.ENGINEER or ticket.assignee_id != actor.id:
        raise Forbidden("Only the engineer on the job revises its estimate.")
    if ticket.status not in WORKING:
        raise ValidationFailed(
            "{ref} is not being worked on; revise the estimate on site, after the diagnosis.", ref=ticket.ref
        )
    if not (Decimal("0.25") <= hours <= MAX_REVISED_HOURS) or not (Decimal(0) <= parts <= MAX_PARTS):
        raise ValidationFailed("A revised estimate has 0.25 to 100 hours of work and parts of 0 or more.")
    store = uow.billing
    terms = await store.terms_for_client(ticket.client_id) if store is not None else None
    if store is None or terms is None:
        raise ValidationFailed(
            "The work on {ref} is not paid by the client; no estimate is needed.", ref=ticket.ref
        )
    holds = await holds_of_round(uow, ticket)
    if HoldKind.REVISION in holds:
        raise ValidationFailed("The estimate of {ref} was revised already in this visit.", ref=ticket.ref)
    approved = holds.get(HoldKind.ESTIMATE)
    if approved is not None and approved.status is HoldStatus.APPROVED and approved.details.get("price"):
        paid_by, rate = (
            approved.details.get("paid_by", str(PaidBy.HOURLY)),
            Decimal(approved.details["price"]),
        )
        callout = Decimal(approved.details.get("callout", "0"))
        before: str | None = approved.details.get("total")
    else:
        member = await uow.directory.get_staff(actor.id)
        level = max(ticket.min_level, member.level if member else 1)
        outlook = await ticket_outlook(store, ticket, now, level)
        if outlook is None or not outlook.client_pays:
            raise ValidationFailed(
                "The work on {ref} is not paid by the client; no estimate is needed.", ref=ticket.ref
            )
        paid_by, rate, callout, before = str(outlook.paid_by), outlook.price, outlook.callout, None
    work = rate if paid_by == str(PaidBy.FIXED) else rate * hours
    total = money(work + callout + parts)
    details = {
        "paid_by": paid_by,
        "price": str(rate),
        "callout": str(callout),
        "hours": str(hours.quantize(Decimal("0.01"))),
        "parts": str(money(parts)),
        "total": str(total),
    }
    hold = new_hold(ticket, HoldKind.REVISION, terms.currency, now, total, details)
    await store.add_hold(hold)
    uow.record(
        EstimateRevised(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            client_id=ticket.client_id,
            currency=terms.currency,
            quote=details,
            before=before,
        )
    )
    return hold


async def decide_debt_hold(
    uow: UnitOfWork, actor: Actor, ticket_id: str, release: bool, now: datetime
) -> JobHold:
    """A supervisor lets a debtor's job go to an engineer (`release`) or cancels it."""
    require_utc(now)
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("Only supervisors and admins decide on jobs of clients in debt.")
    ticket = await load_ticket(uow, ticket_id)
    hold = await _decide(uow, actor, ticket, HoldKind.DEBT, release, now)
    uow.record(
        DebtHoldDecided(
            ticket_id=ticket.id, actor=actor, at=now, client_id=ticket.client_id, released=release
        )
    )
    if not release:
        await cancel_ticket(uow, actor, ticket.id, now, "client in debt")
    return hold


async def waiting_estimates(uow: UnitOfWork, actor: Actor, client_id: str) -> list[tuple[Ticket, JobHold]]:
    """The client's jobs whose estimate waits for an answer, oldest first: what a supervisor may answer for them."""
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden("Only supervisors and admins answer estimates for a client.")
    store = uow.billing
    if store is None:
        return []
    found = []
    for kind, statuses in ((HoldKind.ESTIMATE, WAITING), (HoldKind.REVISION, WORKING)):
        for hold in await store.pending_holds(kind):
            if hold.client_id != client_id:
                continue
            ticket = await uow.tickets.get(hold.ticket_id)
            if ticket is not None and ticket.status in statuses and ticket.reopen_count == hold.round:
                found.append((ticket, hold))
    return sorted(found, key=lambda pair: pair[1].asked_at)
