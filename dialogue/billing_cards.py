"""What a staff card says about money: whether the job is included, prepaid or paid (and at what rate),
and the client's debt. Nothing when billing is off or the client has no money terms."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from dialogue.texts import t
from ticket_core.billing.money import format_money
from ticket_core.billing.pricing import billable_price, billable_rate
from ticket_core.billing.terms import PriceList, ServiceKind
from ticket_core.model import Ticket
from ticket_core.ports import UnitOfWork


async def billing_lines(
    uow: UnitOfWork, ticket: Ticket, lang: str, now: datetime, engineer_id: str | None = None
) -> str:
    """Lines for an offer card: how the work is paid for, then the client's debt if there is one."""
    store = uow.billing
    if store is None:
        return ""
    terms = await store.terms_for_client(ticket.client_id)
    if terms is None:
        return ""
    text = ""
    valid = terms.valid_on(now.date())
    used_hours, _ = await store.allowance_used(ticket.client_id, now.strftime("%Y-%m"))
    left = terms.hours_per_month - used_hours
    packages = [p for p in await store.packages(ticket.client_id) if p.usable_on(now.date())]
    prices = PriceList.of(terms.currency, await store.services())
    fixed = prices.first(ServiceKind.FIXED, ticket.category)
    if valid and terms.includes(ticket.category) and left > 0:
        text = t(lang, "bill_included", hours=_hours(left, lang))
    elif fixed is not None and not (valid and terms.includes(ticket.category)):
        price = billable_price(fixed.price, terms)
        text = t(lang, "bill_fixed", price=format_money(price, terms.currency, lang))
    elif packages:
        text = t(lang, "bill_package", hours=_hours(sum((p.left_hours for p in packages), Decimal(0)), lang))
    else:
        engineer = await uow.directory.get_staff(engineer_id) if engineer_id else None
        rate = billable_rate(terms, prices, engineer.level if engineer else ticket.min_level)
        if rate:
            text = t(lang, "bill_paid", rate=format_money(rate, terms.currency, lang))
    balance = await store.balance(ticket.client_id)
    if terms.in_debt(balance):
        text += t(lang, "bill_debt", debt=format_money(-balance, terms.currency, lang))
    return text


def _hours(value: Decimal, lang: str) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",") if lang == "ru" else text
