"""What a staff card says about money: whether the job is included, prepaid or paid (and at what rate),
the client's debt, and the job's holds (the estimate approved or awaited, a debt released). Nothing when
billing is off or the client has no money terms."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from dialogue.i18n import N_, say
from ticket_core.billing.approvals import HoldKind, HoldStatus, JobHold, holds_of_round, ticket_outlook
from ticket_core.billing.charging import approved_rate
from ticket_core.billing.money import format_money
from ticket_core.billing.outlook import PaidBy
from ticket_core.enums import TicketStatus
from ticket_core.i18n import format_decimal
from ticket_core.model import Ticket
from ticket_core.ports import UnitOfWork


async def billing_lines(
    uow: UnitOfWork, ticket: Ticket, lang: str, now: datetime, engineer_id: str | None = None
) -> str:
    """Lines for an offer card: how the work is paid for, then the client's debt if there is one."""
    store = uow.billing
    if store is None:
        return ""
    engineer = await uow.directory.get_staff(engineer_id) if engineer_id else None
    level = engineer.level if engineer else max(ticket.min_level, 1)
    outlook = await ticket_outlook(store, ticket, now, level)
    if outlook is None:
        return ""
    text = ""
    if outlook.paid_by is PaidBy.INCLUDED:
        text = say(
            lang,
            "\n📄 Included in the contract: {hours} h left this month",
            hours=_number(outlook.hours_left, lang),
        )
    elif outlook.paid_by is PaidBy.PACKAGE:
        text = say(
            lang,
            "\n📦 From the client's prepaid package: {hours} h left",
            hours=_number(outlook.hours_left, lang),
        )
    elif outlook.paid_by is PaidBy.FIXED:
        text = say(
            lang,
            "\n💰 Paid work: fixed price {price}",
            price=format_money(outlook.price, outlook.currency, lang),
        )
    elif outlook.paid_by is PaidBy.HOURLY:
        agreed = await approved_rate(uow, ticket)  # the estimate's rate is the price agreed
        rate = min(outlook.price, agreed) if agreed is not None else outlook.price
        text = say(
            lang, "\n💰 Paid work: client pays {rate}/h", rate=format_money(rate, outlook.currency, lang)
        )
    terms = await store.terms_for_client(ticket.client_id)
    balance = await store.balance(ticket.client_id)
    if terms is not None and terms.in_debt(balance):
        text += say(lang, "\n⚠️ The client owes {debt}", debt=format_money(-balance, outlook.currency, lang))
    return text + await hold_lines(uow, ticket, lang)


def _number(value: Decimal, lang: str) -> str:
    """A number (hours, a percentage) as the reader writes it: 1.5 (1,5 in Russian), 2 rather than 2.00."""
    return format_decimal(value, lang, "#,##0.###")


def quote_text(details: dict[str, str], currency: str, lang: str, vat_pct: Decimal = Decimal(0)) -> str:
    """An estimate's prices as a person reads them: "engineer's work 2,250 ₽/h, call-out 1,350 ₽, ..."."""

    def amount(key: str) -> str:
        return format_money(Decimal(details.get(key) or 0), currency, lang)

    items = [
        say(lang, "a fixed price of {price}", price=amount("price"))
        if details.get("paid_by") == "fixed"
        else say(lang, "engineer's work {rate}/h", rate=amount("price"))
    ]
    if Decimal(details.get("callout") or 0) > 0:
        items.append(say(lang, "call-out {price}", price=amount("callout")))
    if details.get("parts_margin") is not None:
        margin = _number(Decimal(details["parts_margin"]), lang)  # a number as the reader writes it
        items.append(say(lang, "parts at cost + {margin} %", margin=margin))
    text = ", ".join(items)
    if vat_pct > 0:
        text += say(lang, " (prices without {vat} % VAT)", vat=_number(vat_pct, lang))
    if details.get("total") is not None:  # estimates asked before expected totals have none
        total = Decimal(details["total"]) * (1 + vat_pct / 100)
        fixed = details.get("paid_by") == "fixed"
        if vat_pct > 0:
            total_line = (
                N_("; {total} in all with VAT")
                if fixed
                else N_("; about {hours} h of work, about {total} in all with VAT")
            )
        else:
            total_line = (
                N_("; {total} in all") if fixed else N_("; about {hours} h of work, about {total} in all")
            )
        text += say(
            lang,
            total_line,
            hours=_number(Decimal(details.get("hours") or 0), lang),
            total=format_money(total, currency, lang),
        )
    return text


async def revisable(uow: UnitOfWork, ticket: Ticket, now: datetime) -> bool:
    """Whether the engineer on the job may revise its estimate now (`revise_estimate` would take it): a job in
    progress that the client pays for, not revised yet in this round (one revision a visit)."""
    store = uow.billing
    if store is None or ticket.status is not TicketStatus.IN_PROGRESS:
        return False
    if await store.terms_for_client(ticket.client_id) is None:
        return False
    holds = await holds_of_round(uow, ticket)
    if HoldKind.REVISION in holds:
        return False
    estimate = holds.get(HoldKind.ESTIMATE)
    if estimate is not None and estimate.status is HoldStatus.APPROVED and estimate.details.get("price"):
        return True
    outlook = await ticket_outlook(store, ticket, now, ticket.min_level)
    return outlook is not None and outlook.client_pays


async def hold_lines(uow: UnitOfWork, ticket: Ticket, lang: str) -> str:
    """Lines for the engineer's offer and job cards: the estimate approved or awaited, a debt released."""
    holds: dict[HoldKind, JobHold] = await holds_of_round(uow, ticket)
    text = ""
    debt = holds.get(HoldKind.DEBT)
    if debt is not None and debt.status is HoldStatus.PENDING:
        text += say(lang, "\n⏸ Waits for a supervisor because the client is in debt")
    elif debt is not None and debt.status is HoldStatus.APPROVED:
        member = await uow.directory.get_staff(debt.decided_by) if debt.decided_by else None
        text += say(
            lang,
            "\n▶ Sent to work despite the debt by {name}",
            name=member.name if member else debt.decided_by or "-",
        )
    estimate = holds.get(HoldKind.ESTIMATE)
    if estimate is not None and estimate.status is HoldStatus.PENDING:
        text += say(lang, "\n⏳ Waiting for the client to approve the estimate: accept once they have")
    elif estimate is not None and estimate.status is HoldStatus.APPROVED:
        text += say(
            lang,
            "\n✅ Estimate approved by the client: {prices}",
            prices=quote_text(estimate.details, estimate.currency, lang),
        )
    return text
