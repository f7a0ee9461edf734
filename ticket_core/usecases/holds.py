"""Answers to a held job: the client's estimate approval, a supervisor's decision on a debtor's job.

See `ticket_core.billing.approvals` for when a job is held.
"""

from __future__ import annotations

from datetime import datetime

from ticket_core.billing.approvals import WAITING, HoldKind, HoldStatus, JobHold, holds_of_round
from ticket_core.billing.events import DebtHoldDecided, EstimateAnswered
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
    if store is None or hold is None or ticket.status not in WAITING:
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
    for hold in await store.pending_holds(HoldKind.ESTIMATE):
        if hold.client_id != client_id:
            continue
        ticket = await uow.tickets.get(hold.ticket_id)
        if ticket is not None and ticket.status in WAITING and ticket.reopen_count == hold.round:
            found.append((ticket, hold))
    return found
