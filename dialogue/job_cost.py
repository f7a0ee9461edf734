"""What a paid job cost, told to the client after *Done*: the charge lines of the round, in their language.

`job_charged` (`ticket_core.billing.charging`) carries the lines as posted; this reads them, never prices
again. A round whose lines are all included in the contract or taken from a prepaid package costs the client
nothing and says nothing more than the *Done* message does.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from dialogue.i18n import N_, say
from dialogue.messages import Bot
from dialogue.outgoing import Outgoing
from ticket_core.billing.events import JobCharged
from ticket_core.billing.money import format_money
from ticket_core.i18n import format_decimal
from ticket_core.model import Ticket
from ticket_core.ports import UnitOfWork

COVERED = {
    "included": N_("included in the contract"),
    "package": N_("from your prepaid hours"),
}


async def notify(
    uow: UnitOfWork,
    out: Outgoing,
    ticket: Ticket,
    event: JobCharged,
    recipients: list[tuple[str, str, str | None]],
) -> None:
    """Send each of the ticket's client recipients the cost of the round, when the client pays anything."""
    total = _decimal(event.total)
    if total <= 0:
        return
    terms = await uow.billing.terms_for_client(ticket.client_id) if uow.billing else None
    vat = terms.vat_pct if terms is not None else Decimal(0)
    for contact_id, lang, prefer in recipients:
        text = cost_text(event, ticket.ref, lang, vat)
        await out.to_person(uow, contact_id, Bot.CLIENT, text, prefer_channel=prefer, lang=lang)


def cost_text(event: JobCharged, ref: str, lang: str, vat_pct: Decimal = Decimal(0)) -> str:
    """The message: one line per charge line (what, how much, what paid for it), then the sum to pay."""
    lines = [say(lang, "💳 What the work on {ref} cost:", ref=ref)]
    for line in event.lines:
        what = _without_ref(str(line.get("text_ru" if lang == "ru" else "text_en") or ""), ref)
        amount = _decimal(line.get("amount"))
        covered = COVERED.get(str(line.get("coverage")))
        quantity = _quantity(str(line.get("key") or ""), _decimal(line.get("quantity")), lang)
        what = f"{what} ({quantity})" if quantity else what
        if covered is not None:
            lines.append(f"• {what}: {say(lang, covered)}")
        else:
            lines.append(f"• {what}: {format_money(amount, event.currency, lang)}")
    money = format_money(_decimal(event.total), event.currency, lang)
    if vat_pct > 0:
        lines.append(
            say(lang, "To pay: {amount}, plus VAT {vat} %.", amount=money, vat=_number(vat_pct, lang))
        )
    else:
        lines.append(say(lang, "To pay: {amount}.", amount=money))
    lines.append(say(lang, "It will be in this month's act; ask us here if anything is unclear."))
    return "\n".join(lines)


def _quantity(key: str, quantity: Decimal, lang: str) -> str:
    """The quantity worth saying: "1.5 h" of work, "2 pcs" of a part; nothing for one call-out or a fixed price."""
    item = key.split(":", 2)[-1]
    if item.startswith("hours") and quantity > 0:
        return say(lang, "{hours} h", hours=_number(quantity, lang))
    if item.startswith("part") and quantity > 1:
        return say(lang, "{count} pcs", count=_number(quantity, lang))
    if item.startswith("callout") and quantity > 1:
        return say(lang, "{count} visits", count=_number(quantity, lang))
    return ""


def _number(value: Decimal, lang: str) -> str:
    return format_decimal(value, lang, "#,##0.###")


def _without_ref(text: str, ref: str) -> str:
    """The line's text without the request's number ("Engineer's work, L1"): the message names it once."""
    suffix = f", {ref}"
    return text[: -len(suffix)] if text.endswith(suffix) else text


def _decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
