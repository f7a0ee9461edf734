"""Jobs that wait before routing: the client's approval of an estimate, a supervisor's go-ahead for a debtor.

When a contract says so (`ContractTerms.estimate_required`, `hold_debtors`), `offer_ticket` asks
`hold_before_routing` first. A job of a client in debt then waits for a supervisor (`decide_debt_hold`:
release or cancel); paid work then waits for the client to approve its estimate in chat (`answer_estimate`:
approve, or decline, which cancels the request; both in `ticket_core.usecases.holds`). Each is a `JobHold` row per ticket, round (its
`reopen_count`) and kind, decided once; every step is an audit event. No engineer accepts a job while a hold
on it is pending (`accept_offer` asks `pending_hold`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from ticket_core.billing.events import EstimateRequested, JobHeldForDebt
from ticket_core.billing.money import money
from ticket_core.billing.outlook import Outlook, PaidBy, job_outlook
from ticket_core.billing.terms import PriceList
from ticket_core.enums import TicketStatus
from ticket_core.model import Actor, Ticket
from ticket_core.ports import UnitOfWork

if TYPE_CHECKING:
    from ticket_core.billing.ports import BillingStore

WAITING = (TicketStatus.NEW, TicketStatus.REOPENED, TicketStatus.OFFERED)
WORKING = (TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD)
"""Where a job is when its engineer revises the estimate after the diagnosis (on site, before the extra work)."""


class HoldKind(StrEnum):
    """What a job waits for."""

    DEBT = "debt"  # a supervisor, because the client is in debt
    ESTIMATE = "estimate"  # the client's approval of the estimate
    REVISION = "revision"  # the client's approval of the estimate the engineer revised on site


class HoldStatus(StrEnum):
    """Where a hold stands."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class JobHold:
    """One hold of one round of a job. `amount` is the debt (DEBT) or the headline price (ESTIMATE);
    `details` the quote as exact strings (paid_by, price, callout, parts_margin, hours, total)."""

    ticket_id: str
    round: int
    kind: HoldKind
    status: HoldStatus
    client_id: str
    currency: str
    asked_at: datetime
    amount: Decimal = Decimal(0)
    details: dict[str, str] = field(default_factory=dict)
    decided_at: datetime | None = None
    decided_by: str | None = None


DEFAULT_HOURS = Decimal(1)
"""An estimate's expected time when too few jobs of the category were charged to tell (`MIN_JOBS`)."""
MIN_JOBS = 3


def expected_hours(charged: list[Decimal]) -> Decimal:
    """The time a job of a category is expected to take: the median of its latest charged jobs' hours
    (rounded up to the quarter hour), or `DEFAULT_HOURS` with fewer than `MIN_JOBS` to go on."""
    if len(charged) < MIN_JOBS:
        return DEFAULT_HOURS
    ordered = sorted(charged)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    quarters = (median * 4).to_integral_value(rounding=ROUND_CEILING)
    return max(quarters / 4, Decimal("0.25")).quantize(Decimal("0.01"))


def quote_details(outlook: Outlook, hours: Decimal = DEFAULT_HOURS) -> dict[str, str]:
    """An estimate's prices as exact strings, as kept with the hold and in the audit event.

    `total` is what the client is expected to pay before VAT and parts: the fixed price, or `hours` at the
    hourly rate, plus the call-out.
    """
    details = {"paid_by": str(outlook.paid_by), "price": str(outlook.price), "callout": str(outlook.callout)}
    if outlook.parts_margin is not None:
        details["parts_margin"] = str(outlook.parts_margin)
    work = outlook.price if outlook.paid_by is PaidBy.FIXED else outlook.price * hours
    if outlook.paid_by is PaidBy.HOURLY:
        details["hours"] = str(hours)
    details["total"] = str(money(work + outlook.callout))
    return details


async def ticket_outlook(store: BillingStore, ticket: Ticket, now: datetime, level: int) -> Outlook | None:
    """How the ticket's work would be paid for now, done by an engineer of `level` (None: not billed)."""
    terms = await store.terms_for_client(ticket.client_id)
    if terms is None:
        return None
    used_hours, used_callouts = await store.allowance_used(ticket.client_id, now.strftime("%Y-%m"))
    return job_outlook(
        terms,
        PriceList.of(terms.currency, await store.services()),
        category=ticket.category,
        level=level,
        day=now.date(),
        allowance_hours=max(terms.hours_per_month - used_hours, Decimal(0)),
        allowance_callouts=max(terms.callouts_per_month - used_callouts, 0),
        packages=await store.packages(ticket.client_id),
    )


async def holds_of_round(uow: UnitOfWork, ticket: Ticket) -> dict[HoldKind, JobHold]:
    """The holds of the ticket's current round, by kind."""
    if uow.billing is None:
        return {}
    return {
        hold.kind: hold
        for hold in await uow.billing.holds_for_ticket(ticket.id)
        if hold.round == ticket.reopen_count
    }


async def pending_revision(uow: UnitOfWork, ticket: Ticket) -> JobHold | None:
    """The revised estimate of the ticket's current round that waits for the client, if any."""
    hold = (await holds_of_round(uow, ticket)).get(HoldKind.REVISION)
    return hold if hold is not None and hold.status is HoldStatus.PENDING else None


async def pending_hold(uow: UnitOfWork, ticket: Ticket) -> JobHold | None:
    """The hold the ticket's current round waits on, if any (a debt before an estimate)."""
    holds = await holds_of_round(uow, ticket)
    for kind in (HoldKind.DEBT, HoldKind.ESTIMATE):
        hold = holds.get(kind)
        if hold is not None and hold.status is HoldStatus.PENDING:
            return hold
    return None


async def hold_before_routing(uow: UnitOfWork, ticket: Ticket, now: datetime) -> bool:
    """Tell whether the ticket must wait before it is offered; ask for what it waits on the first time.

    A client in debt under `hold_debtors` waits for a supervisor; then paid work under `estimate_required`
    waits for the client to approve the estimate. A decided hold does not hold the round again.
    """
    store = uow.billing
    if store is None:
        return False
    terms = await store.terms_for_client(ticket.client_id)
    if terms is None or not (terms.hold_debtors or terms.estimate_required):
        return False
    holds = await holds_of_round(uow, ticket)
    if any(hold.status is HoldStatus.PENDING for hold in holds.values()):
        return True
    if terms.hold_debtors and HoldKind.DEBT not in holds:
        balance = await store.balance(ticket.client_id)
        if terms.in_debt(balance):
            debt = money(-balance)
            await store.add_hold(new_hold(ticket, HoldKind.DEBT, terms.currency, now, debt))
            uow.record(
                JobHeldForDebt(
                    ticket_id=ticket.id,
                    actor=Actor.system(),
                    at=now,
                    client_id=ticket.client_id,
                    debt=str(debt),
                    currency=terms.currency,
                )
            )
            return True
    if terms.estimate_required and HoldKind.ESTIMATE not in holds:
        outlook = await ticket_outlook(store, ticket, now, max(ticket.min_level, 1))
        if outlook is not None and outlook.client_pays:
            details = quote_details(outlook, expected_hours(await store.charged_hours(ticket.category)))
            await store.add_hold(
                new_hold(ticket, HoldKind.ESTIMATE, terms.currency, now, outlook.price, details)
            )
            uow.record(
                EstimateRequested(
                    ticket_id=ticket.id,
                    actor=Actor.system(),
                    at=now,
                    client_id=ticket.client_id,
                    currency=terms.currency,
                    quote=details,
                )
            )
            return True
    return False


def new_hold(
    ticket: Ticket,
    kind: HoldKind,
    currency: str,
    now: datetime,
    amount: Decimal,
    details: dict[str, str] | None = None,
) -> JobHold:
    return JobHold(
        ticket_id=ticket.id,
        round=ticket.reopen_count,
        kind=kind,
        status=HoldStatus.PENDING,
        client_id=ticket.client_id,
        currency=currency,
        asked_at=now,
        amount=amount,
        details=details or {},
    )
