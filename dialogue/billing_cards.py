"""What a staff card says about money: whether the job is included, prepaid or paid (and at what rate),
the client's debt, and the job's holds (the estimate approved or awaited, a debt released). Nothing when
billing is off or the client has no money terms."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from dialogue.texts import t
from ticket_core.billing.approvals import HoldKind, HoldStatus, JobHold, holds_of_round, ticket_outlook
from ticket_core.billing.charging import approved_rate
from ticket_core.billing.money import format_money
from ticket_core.billing.outlook import PaidBy
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
        text = t(lang, "bill_included", hours=_hours(outlook.hours_left, lang))
    elif outlook.paid_by is PaidBy.PACKAGE:
        text = t(lang, "bill_package", hours=_hours(outlook.hours_left, lang))
    elif outlook.paid_by is PaidBy.FIXED:
        text = t(lang, "bill_fixed", price=format_money(outlook.price, outlook.currency, lang))
    elif outlook.paid_by is PaidBy.HOURLY:
        agreed = await approved_rate(uow, ticket)  # the estimate's rate is the price agreed
        rate = min(outlook.price, agreed) if agreed is not None else outlook.price
        text = t(lang, "bill_paid", rate=format_money(rate, outlook.currency, lang))
    terms = await store.terms_for_client(ticket.client_id)
    balance = await store.balance(ticket.client_id)
    if terms is not None and terms.in_debt(balance):
        text += t(lang, "bill_debt", debt=format_money(-balance, outlook.currency, lang))
    return text + await hold_lines(uow, ticket, lang)


def _hours(value: Decimal, lang: str) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",") if lang == "ru" else text


def quote_text(details: dict[str, str], currency: str, lang: str, vat_pct: Decimal = Decimal(0)) -> str:
    """An estimate's prices as a person reads them: "engineer's work 2,250 ₽/h, call-out 1,350 ₽, ..."."""

    def amount(key: str) -> str:
        return format_money(Decimal(details.get(key) or 0), currency, lang)

    items = [
        t(lang, "est_fixed", price=amount("price"))
        if details.get("paid_by") == "fixed"
        else t(lang, "est_hourly", rate=amount("price"))
    ]
    if Decimal(details.get("callout") or 0) > 0:
        items.append(t(lang, "est_callout", price=amount("callout")))
    if details.get("parts_margin") is not None:
        margin = f"{Decimal(details['parts_margin']).normalize():f}"
        items.append(t(lang, "est_parts", margin=margin))
    text = ", ".join(items)
    if vat_pct > 0:
        text += t(lang, "est_vat", vat=f"{vat_pct.normalize():f}")
    if details.get("total") is not None:  # estimates asked before expected totals have none
        total = Decimal(details["total"]) * (1 + vat_pct / 100)
        key = "est_total_fixed" if details.get("paid_by") == "fixed" else "est_total_hourly"
        hours = f"{Decimal(details.get('hours') or 0).normalize():f}"
        text += t(
            lang,
            key + ("_vat" if vat_pct > 0 else ""),
            hours=hours.replace(".", ",") if lang == "ru" else hours,
            total=format_money(total, currency, lang),
        )
    return text


async def hold_lines(uow: UnitOfWork, ticket: Ticket, lang: str) -> str:
    """Lines for the engineer's offer and job cards: the estimate approved or awaited, a debt released."""
    holds: dict[HoldKind, JobHold] = await holds_of_round(uow, ticket)
    text = ""
    debt = holds.get(HoldKind.DEBT)
    if debt is not None and debt.status is HoldStatus.PENDING:
        text += t(lang, "debt_line_wait")
    elif debt is not None and debt.status is HoldStatus.APPROVED:
        member = await uow.directory.get_staff(debt.decided_by) if debt.decided_by else None
        text += t(lang, "debt_line_released", name=member.name if member else debt.decided_by or "-")
    estimate = holds.get(HoldKind.ESTIMATE)
    if estimate is not None and estimate.status is HoldStatus.PENDING:
        text += t(lang, "est_line_wait")
    elif estimate is not None and estimate.status is HoldStatus.APPROVED:
        text += t(lang, "est_line_ok", prices=quote_text(estimate.details, estimate.currency, lang))
    return text
