"""Held jobs in chat (`ticket_core.billing.approvals`): the client's estimate with Approve / Decline, a debtor's
job on the supervisors' and account manager's cards with Send to an engineer / Cancel, and what the
engineer's cards say about both."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from dialogue.billing_alerts import staff_to_tell
from dialogue.billing_cards import quote_text
from dialogue.cards import client_name, short
from dialogue.i18n import N_, say
from dialogue.identity import ClientPerson, StaffPerson
from dialogue.messages import Bot
from dialogue.outgoing import Outgoing
from dialogue.payloads import DebtHoldAnswer, EstimateAnswer
from dialogue.turn import Turn
from ticket_core.billing.approvals import (
    WORKING,
    HoldKind,
    HoldStatus,
    holds_of_round,
    pending_hold,
    pending_revision,
)
from ticket_core.billing.events import (
    DebtHoldDecided,
    EstimateAnswered,
    EstimateRequested,
    EstimateRevised,
    JobHeldForDebt,
    RevisionAnswered,
)
from ticket_core.billing.money import format_money
from ticket_core.errors import NotFound
from ticket_core.events import DomainEvent
from ticket_core.i18n import format_decimal
from ticket_core.model import Ticket, format_ref
from ticket_core.ports import UnitOfWork
from ticket_core.usecases.holds import answer_estimate, decide_debt_hold, revise_estimate

EVENTS = (
    EstimateRequested,
    EstimateAnswered,
    EstimateRevised,
    RevisionAnswered,
    JobHeldForDebt,
    DebtHoldDecided,
)
"""The events this module tells people about."""


def hold_card_key(ticket: Ticket) -> str:
    """The live card of a debtor's held job in a supervisor's chat."""
    return f"hold:{ticket.number}"


async def _client_lang(uow: UnitOfWork, ticket: Ticket) -> str:
    contact = await uow.directory.get_contact(ticket.contact_id) if ticket.contact_id else None
    return contact.lang if contact else "ru"


async def notify(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: DomainEvent, now: datetime) -> None:
    """Tell the people a hold concerns: the client gets the estimate, supervisors a debtor's job."""
    terms = await uow.billing.terms_for_client(ticket.client_id) if uow.billing else None
    if isinstance(event, EstimateRequested) and ticket.contact_id:
        lang = await _client_lang(uow, ticket)
        vat = terms.vat_pct if terms else Decimal(0)
        n = ticket.number
        text = say(
            lang,
            "💰 The work on {ref} is paid for under your contract: {prices}.\nShall we start?",
            ref=ticket.ref,
            prices=quote_text(event.quote, event.currency, lang, vat),
        )
        buttons = [
            [
                (say(lang, "✅ Approve"), EstimateAnswer(n, "y").encode()),
                (say(lang, "✖ Decline"), EstimateAnswer(n, "n").encode()),
            ]
        ]
        await out.to_person(
            uow, ticket.contact_id, Bot.CLIENT, text, buttons, prefer_channel=ticket.source_channel, lang=lang
        )
    elif isinstance(event, EstimateAnswered) and event.on_behalf and event.approved and ticket.contact_id:
        lang = await _client_lang(uow, ticket)
        name = event.actor.name or event.actor.id
        text = say(
            lang,
            "The estimate for {ref} was approved on your behalf by {name} ({reason}). I am finding an engineer; if this is a mistake, write to us here.",
            ref=ticket.ref,
            name=name,
            reason=event.reason or "",
        )
        await out.to_person(
            uow, ticket.contact_id, Bot.CLIENT, text, prefer_channel=ticket.source_channel, lang=lang
        )
    elif isinstance(event, EstimateAnswered) and not event.approved:
        client = await client_name(uow, ticket)
        for member in await staff_to_tell(uow, ticket.client_id):
            text = say(
                member.lang,
                "💰 {client} declined the estimate for {ref}: the request is cancelled.",
                client=client,
                ref=ticket.ref,
            )
            await out.to_person(uow, member.id, Bot.STAFF, text, lang=member.lang)
    elif isinstance(event, EstimateRevised) and ticket.contact_id:
        await _revised(uow, out, ticket, event, terms.vat_pct if terms else Decimal(0))
    elif isinstance(event, RevisionAnswered):
        await _revision_answered(uow, out, ticket, event)
    elif isinstance(event, JobHeldForDebt):
        await _debt_held(uow, out, ticket, event)
    elif isinstance(event, DebtHoldDecided):
        client = await client_name(uow, ticket)
        name = event.actor.name or event.actor.id
        message = (
            N_("▶ {ref} ({client}): sent to an engineer by {name}.")
            if event.released
            else N_("✖ {ref} ({client}): cancelled by {name}.")
        )
        for member in await staff_to_tell(uow, ticket.client_id):
            text = say(member.lang, message, ref=ticket.ref, client=client, name=name)
            await out.to_person(uow, member.id, Bot.STAFF, text, lang=member.lang, card=hold_card_key(ticket))


def _with_vat(amount: Decimal, vat: Decimal) -> Decimal:
    return amount * (1 + vat / 100)


async def _revised(
    uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: EstimateRevised, vat: Decimal
) -> None:
    """The client gets the revised estimate with Approve / Decline (the same buttons as the first one)."""
    lang = await _client_lang(uow, ticket)
    quote, currency = event.quote, event.currency

    def price(key: str) -> str:
        return format_money(_with_vat(Decimal(quote.get(key, "0")), vat), currency, lang)

    before = (
        say(
            lang,
            " (the estimate you approved: about {before})",
            before=price_of(event.before, vat, currency, lang),
        )
        if event.before
        else ""
    )
    text = say(
        lang,
        "🔧 After the diagnosis the engineer revised the estimate for {ref}: {hours} h of work at {rate}/h, "
        "parts {parts}, call-out {callout}; {total} in all with VAT{before}.\nShall the engineer go on?",
        ref=ticket.ref,
        hours=_hours(Decimal(quote.get("hours", "0")), lang),
        rate=price("price"),
        parts=price("parts"),
        callout=price("callout"),
        total=price("total"),
        before=before,
    )
    n = ticket.number
    buttons = [
        [
            (say(lang, "✅ Approve"), EstimateAnswer(n, "y").encode()),
            (say(lang, "✖ Decline"), EstimateAnswer(n, "n").encode()),
        ]
    ]
    await out.to_person(
        uow,
        ticket.contact_id or "",
        Bot.CLIENT,
        text,
        buttons,
        prefer_channel=ticket.source_channel,
        lang=lang,
    )


def price_of(amount: str, vat: Decimal, currency: str, lang: str) -> str:
    """An amount before VAT, as the client reads it with VAT."""
    return format_money(_with_vat(Decimal(amount), vat), currency, lang)


def _hours(value: Decimal, lang: str) -> str:
    return format_decimal(value, lang, "#,##0.###")


async def _revision_answered(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: RevisionAnswered) -> None:
    """The engineer hears the client's answer (go on, or only the first estimate's work); a client answered
    for by a supervisor is told."""
    if ticket.assignee_id:
        member = await uow.directory.get_staff(ticket.assignee_id)
        lang = member.lang if member else "ru"
        text = say(
            lang,
            N_("✅ The client approved the revised estimate for {ref}: go on with the work.")
            if event.approved
            else N_(
                "✖ The client declined the revised estimate for {ref}: do only the work of the first estimate, then press Done."
            ),
            ref=ticket.ref,
        )
        await out.to_person(uow, ticket.assignee_id, Bot.STAFF, text, lang=lang)
    if event.on_behalf and ticket.contact_id:
        lang = await _client_lang(uow, ticket)
        text = say(
            lang,
            N_("The revised estimate for {ref} was approved on your behalf by {name} ({reason}).")
            if event.approved
            else N_("The revised estimate for {ref} was declined on your behalf by {name} ({reason})."),
            ref=ticket.ref,
            name=event.actor.name or event.actor.id,
            reason=event.reason or "",
        )
        await out.to_person(
            uow, ticket.contact_id, Bot.CLIENT, text, prefer_channel=ticket.source_channel, lang=lang
        )


async def _debt_held(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: JobHeldForDebt) -> None:
    client = await client_name(uow, ticket)
    n = ticket.number
    for member in await staff_to_tell(uow, ticket.client_id):
        lang = member.lang
        text = say(
            lang,
            "⏸ {ref} ({client}) waits for your decision: the client owes {debt}.\n{description}\nSend it to an engineer?",
            ref=ticket.ref,
            client=client,
            debt=format_money(Decimal(event.debt), event.currency, lang),
            description=short(ticket.description, 300),
        )
        buttons = [
            [
                (say(lang, "▶ Send to an engineer"), DebtHoldAnswer(n, "y").encode()),
                (say(lang, "✖ Cancel the request"), DebtHoldAnswer(n, "n").encode()),
            ]
        ]
        await out.to_person(uow, member.id, Bot.STAFF, text, buttons, lang=lang, card=hold_card_key(ticket))
    if ticket.contact_id:
        lang = await _client_lang(uow, ticket)
        text = say(
            lang,
            "Your account shows {debt} owed. {ref} goes to an engineer once a manager has looked at it.",
            ref=ticket.ref,
            debt=format_money(Decimal(event.debt), event.currency, lang),
        )
        await out.to_person(
            uow, ticket.contact_id, Bot.CLIENT, text, prefer_channel=ticket.source_channel, lang=lang
        )


async def _answered(turn: Turn, ticket: Ticket, kind: HoldKind) -> bool:
    """Say so when the hold was decided already (a second press, a colleague faster): nothing changes."""
    hold = (await holds_of_round(turn.uow, ticket)).get(kind)
    if hold is not None and hold.status is HoldStatus.PENDING:
        return False
    turn.tell("{ref}: that was answered already.", ref=ticket.ref)
    return True


async def refuse_accept(turn: Turn, ticket: Ticket) -> bool:
    """Say so and tell whether Accept must wait: the job's estimate or a debtor's go-ahead is pending."""
    held = await pending_hold(turn.uow, ticket)
    if held is None:
        return False
    turn.reply(
        say(
            turn.lang,
            N_("\n⏳ Waiting for the client to approve the estimate: accept once they have")
            if held.kind is HoldKind.ESTIMATE
            else N_("\n⏸ Waits for a supervisor because the client is in debt"),
        ).strip()
    )
    return True


async def on_estimate_button(turn: Turn, person: ClientPerson, action: EstimateAnswer) -> None:
    """The client's Approve / Decline under an estimate."""
    ticket = await turn.uow.tickets.get_by_number(action.number)
    if ticket is None or ticket.client_id != person.actor.client_id:
        raise NotFound(f"No request {format_ref(action.number)} among yours.")
    approve = action.answer == "y"
    if ticket.status in WORKING and await pending_revision(turn.uow, ticket) is not None:
        await answer_estimate(turn.uow, person.actor, ticket.id, approve, turn.now)
        turn.tell(
            N_("Thank you! The engineer goes on with {ref} at the new estimate.")
            if approve
            else N_("OK: the engineer does only the work of the first estimate on {ref}."),
            ref=ticket.ref,
        )
        return
    if await _answered(turn, ticket, HoldKind.ESTIMATE):
        return
    await answer_estimate(turn.uow, person.actor, ticket.id, approve, turn.now)
    turn.tell(
        N_("Thank you! The estimate for {ref} is approved; I am finding an engineer.")
        if approve
        else N_(
            "OK, no paid work on {ref}: the request is cancelled. To talk about the price, write to us here."
        ),
        ref=ticket.ref,
    )


async def on_debt_button(turn: Turn, person: StaffPerson, action: DebtHoldAnswer) -> None:
    """A supervisor's Send to an engineer / Cancel under a debtor's held job."""
    ticket = await turn.uow.tickets.get_by_number(action.number)
    if ticket is None:
        raise NotFound(f"No ticket {format_ref(action.number)}.")
    if await _answered(turn, ticket, HoldKind.DEBT):
        return
    await decide_debt_hold(turn.uow, person.actor, ticket.id, action.answer == "y", turn.now)


REVISE_ARGS = re.compile(
    r"^\s*(?:HD-?)?(\d+)\s+(\d+(?:[.,]\d+)?)\s*(?:ч|h)?(?:\s+(\d[\d\s]*(?:[.,]\d{1,2})?)\s*(?:₽|руб\.?)?)?\s*$",
    re.IGNORECASE,
)


REVISE_TEXT = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(?:ч|h)?(?:\s+(\d[\d\s]*(?:[.,]\d{1,2})?)\s*(?:₽|руб\.?)?)?\s*$", re.IGNORECASE
)
REVISE_QUESTION = N_(
    "Revised estimate for {ref}: how many hours of work, and what do the parts cost? "
    'Write e.g. "3 2500" (3 h and parts for 2,500) or "1.5" (no parts). The client approves it before the '
    "extra work."
)


async def on_revise_text(turn: Turn, person: StaffPerson, ticket: Ticket, text: str) -> bool:
    """The answer to "Revise estimate" on the job card: hours and parts; False when it cannot be read."""
    match = REVISE_TEXT.match(text)
    if match is None:
        turn.tell(
            'I could not read that. Write the hours of work and, if there are parts, their cost: e.g. "3 2500" '
            'or "1.5".'
        )
        return False
    parts = Decimal(re.sub(r"\s", "", match.group(2) or "0").replace(",", "."))
    await _revise(turn, person, ticket, Decimal(match.group(1).replace(",", ".")), parts)
    return True


async def _revise(turn: Turn, person: StaffPerson, ticket: Ticket, hours: Decimal, parts: Decimal) -> None:
    hold = await revise_estimate(turn.uow, person.actor, ticket.id, hours, parts, turn.now)
    turn.tell(
        "The revised estimate for {ref} went to the client: {total} before VAT. Go on with the extra work once "
        "they approve it; I will tell you.",
        ref=ticket.ref,
        total=format_money(hold.amount, hold.currency, turn.lang),
    )


async def on_revise_command(turn: Turn, person: StaffPerson, args: str) -> None:
    """`/estimate HD-1042 3 2500`: the engineer on site revises the estimate (hours of work, parts' cost)."""
    match = REVISE_ARGS.match(args)
    if match is None:
        turn.tell(
            "A revised estimate after the diagnosis: /estimate HD-1042 3 2500 - 3 h of work and parts for "
            "2,500; the client approves it before the extra work."
        )
        return
    ticket = await turn.uow.tickets.get_by_number(int(match.group(1)))
    if ticket is None:
        raise NotFound(f"No ticket {format_ref(int(match.group(1)))}.")
    hours = Decimal(match.group(2).replace(",", "."))
    parts = Decimal(re.sub(r"\s", "", match.group(3) or "0").replace(",", "."))
    await _revise(turn, person, ticket, hours, parts)
