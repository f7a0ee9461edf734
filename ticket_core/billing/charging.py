"""Charging a done job: gather the round's work, price it, post the lines not posted yet, warn on packages.

Called by `resolve_ticket` in its unit of work, so the lines commit with the ticket's change. Each round of
a ticket (its `reopen_count` at Done) is priced once: a round with any line in the ledger is not priced
again (its lines are posted together, and their keys are unique), so a job closed, reopened and closed
again is never charged twice for the same work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from ticket_core.billing.approvals import HoldKind, HoldStatus, holds_of_round
from ticket_core.billing.events import JobCharged, PackageThreshold
from ticket_core.billing.ledger import BALANCE, LedgerEntry, package_account
from ticket_core.billing.money import money
from ticket_core.billing.pricing import Allowance, JobWork, Part, price_job
from ticket_core.billing.terms import ContractTerms, Package, PriceList
from ticket_core.model import Actor, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.sla.calendar import is_working

WARN_SHARE = Decimal("0.8")


async def charge_job(
    uow: UnitOfWork,
    actor: Actor,
    ticket: Ticket,
    now: datetime,
    *,
    minutes: int,
    parts: Sequence[Part] = (),
) -> list[LedgerEntry]:
    """Post the charge lines of the ticket's current round; return the lines posted (none: not billed)."""
    store = uow.billing
    if store is None:
        return []
    terms = await store.terms_for_client(ticket.client_id)
    if terms is None:
        return []
    round_prefix = f"{ticket.id}:{ticket.reopen_count}:"
    if any(key.startswith(round_prefix) for key in await store.charged_keys(ticket.id)):
        return []  # this round was priced already: pricing it again would draw on a changed allowance
    work = await _job_work(uow, ticket, terms, now, minutes, parts)
    prices = PriceList.of(terms.currency, await store.services())
    used_hours, used_callouts = await store.allowance_used(ticket.client_id, now.strftime("%Y-%m"))
    allowance = Allowance(
        max(terms.hours_per_month - used_hours, Decimal(0)), max(terms.callouts_per_month - used_callouts, 0)
    )
    packages = await store.packages(ticket.client_id)
    lines = price_job(work, terms, prices, allowance, packages)
    if not lines:
        return []
    await store.append(lines)
    total = sum((line.amount for line in lines if line.account == BALANCE), Decimal(0))
    uow.record(
        JobCharged(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            client_id=ticket.client_id,
            currency=terms.currency,
            total=str(money(-total)),
            lines=[_summary(line) for line in lines],
        )
    )
    _warn_packages(uow, actor, ticket, now, packages, lines)
    return lines


def _summary(line: LedgerEntry) -> dict[str, str]:
    return {
        "key": line.line_key or "",
        "coverage": str(line.coverage),
        "quantity": str(line.quantity),
        "amount": str(-line.amount),
        "text_ru": line.text_ru,
        "text_en": line.text_en,
    }


async def _job_work(
    uow: UnitOfWork,
    ticket: Ticket,
    terms: ContractTerms,
    now: datetime,
    minutes: int,
    parts: Sequence[Part],
) -> JobWork:
    engineer = await uow.directory.get_staff(ticket.assignee_id) if ticket.assignee_id else None
    round_start = ticket.reopened_at or ticket.created_at
    logged = [(e["name"], e["at"]) for e in await uow.events.list_for_ticket(ticket.id)]
    recorded = [(e.name, e.at) for e in uow.collected if e.ticket_id == ticket.id]  # not in the log yet
    callouts = int(any(name == "engineer_on_site" and at >= round_start for name, at in logged + recorded))
    return JobWork(
        ticket_id=ticket.id,
        ref=ticket.ref,
        client_id=ticket.client_id,
        category=ticket.category,
        engineer_id=ticket.assignee_id,
        level=engineer.level if engineer else 1,
        minutes=minutes,
        callouts=callouts,
        done_at=now,
        round=ticket.reopen_count,
        out_of_hours=await out_of_hours(uow, ticket, terms),
        parts=tuple(parts),
        rate_cap=await approved_rate(uow, ticket),
    )


async def approved_rate(uow: UnitOfWork, ticket: Ticket) -> Decimal | None:
    """The hourly rate the client approved in the round's estimate, or in the estimate the engineer revised on
    site (the price agreed: never more)."""
    holds = await holds_of_round(uow, ticket)
    estimate = holds.get(HoldKind.ESTIMATE)
    revised = holds.get(HoldKind.REVISION)
    if revised is not None and revised.status is HoldStatus.APPROVED:
        estimate = revised
    if estimate is None or estimate.status is not HoldStatus.APPROVED:
        return None
    if estimate.details.get("paid_by") != "hourly" or not estimate.details.get("price"):
        return None
    return Decimal(estimate.details["price"])


async def out_of_hours(uow: UnitOfWork, ticket: Ticket, terms: ContractTerms) -> bool:
    """Tell whether the job started outside the contract's SLA calendar (never when SLA tracking is off)."""
    if uow.sla is None or terms.out_of_hours_multiplier == 1:
        return False
    site = await uow.directory.get_site(ticket.site_id) if ticket.site_id else None
    policy = uow.sla.config.policy_for(ticket.category, terms.contract_id, site.timezone if site else None)
    started = ticket.started_at or ticket.accepted_at or ticket.created_at
    return not is_working(policy.calendar, started)


def _warn_packages(
    uow: UnitOfWork,
    actor: Actor,
    ticket: Ticket,
    now: datetime,
    packages: Sequence[Package],
    lines: Sequence[LedgerEntry],
) -> None:
    for package in packages:
        took = sum((line.hours for line in lines if line.account == package_account(package.id)), Decimal(0))
        if not took or package.hours <= 0:
            continue
        before, after = package.used_hours, package.used_hours + took
        for share, limit in ((100, package.hours), (80, package.hours * WARN_SHARE)):
            if before < limit <= after:
                uow.record(
                    PackageThreshold(
                        ticket_id=ticket.id,
                        actor=actor,
                        at=now,
                        client_id=ticket.client_id,
                        package_id=package.id,
                        share=share,
                        hours=str(package.hours),
                        left_hours=str(max(package.hours - after, Decimal(0))),
                    )
                )
                break
