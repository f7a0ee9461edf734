"""Messages to people about domain events: the chat's handlers on the message bus (`ticket_core.bus`).

Each status change reaches the client, the engineer or the supervisors in their own language. `subscribe`
is the table of which event reaches which handler; the follow-up work the same events call for (routing,
SLA timers) is `ticket_core.handlers`', and the staff group's thread is `dialogue.staff_group`'s.
"""

from __future__ import annotations

import logging

from dialogue import billing_alerts, billing_holds, comment_notices, job_cost, kb_links, sla_alerts
from dialogue.cards import (
    LEFT_LEVEL_RAISED,
    LEFT_TAKEN,
    LEFT_TIME_RAN_OUT,
    card_key,
    client_photos,
    offer_card,
    rating_buttons,
    retire_card,
    short,
)
from dialogue.i18n import N_, say
from dialogue.messages import Bot
from dialogue.outgoing import Outgoing
from dialogue.payloads import JobStep
from dialogue.reaction import ChatBus, Reaction
from dialogue.reason_texts import say_reason
from dialogue.recipients import client_recipients, staff_name, to_client, to_staff
from dialogue.texts import category_name, priority_name
from ticket_core import events as ev
from ticket_core.billing.events import JobCharged, PackageThreshold
from ticket_core.enums import OfferStatus, Role
from ticket_core.model import Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.sla import events as sla_ev

log = logging.getLogger(__name__)


def subscribe(bus: ChatBus) -> None:
    """Subscribe the messages to people: which event reaches which handler."""
    bus.subscribe(ev.TicketReopened, reopened)
    bus.subscribe(ev.OfferExpired, offer_expired)
    bus.subscribe(ev.TicketLevelRaised, level_raised)
    bus.subscribe(ev.TicketOffered, offered)
    bus.subscribe(ev.NoEngineerAvailable, no_engineer)
    bus.subscribe(ev.OfferAccepted, accepted)
    bus.subscribe(ev.EngineerOnTheWay, on_the_way)
    bus.subscribe(ev.EngineerOnSite, on_the_way)
    bus.subscribe(ev.WorkStarted, started)
    bus.subscribe(ev.TicketPutOnHold, on_hold)
    bus.subscribe(ev.WorkResumed, resumed)
    bus.subscribe(ev.TicketResolved, resolved)
    bus.subscribe(ev.TicketCancelled, cancelled)
    bus.subscribe(ev.PersonAsked, person_asked)
    bus.subscribe(ev.CommentAdded, comment_added)
    bus.subscribe(ev.TicketRated, rated)
    bus.subscribe_many(
        (
            sla_ev.SlaAlertEvent,
            sla_ev.SlaAcknowledged,
            sla_ev.SlaExtended,
            sla_ev.PriorityChanged,
            sla_ev.TicketReassigned,
        ),
        sla_alert,
    )
    bus.subscribe(PackageThreshold, billing_alert)
    bus.subscribe(JobCharged, job_charged)
    bus.subscribe_many(billing_holds.EVENTS, billing_hold)


async def reopened(event: ev.TicketReopened, ticket: Ticket, ctx: Reaction) -> None:
    """The engineer who had the job hears it was reopened, and why."""
    if ticket.assignee_id:
        await to_staff(
            ctx.uow,
            ctx.out,
            ticket.assignee_id,
            N_("The client reopened {ref}: {reason}"),
            ref=ticket.ref,
            reason=event.reason or "-",
        )


async def offer_expired(event: ev.OfferExpired, ticket: Ticket, ctx: Reaction) -> None:
    """The engineer who let an offer expire hears it, and the offer's card loses its buttons."""
    await to_staff(
        ctx.uow,
        ctx.out,
        event.engineer_id,
        N_("Time to answer {ref} ran out; it went to someone else."),
        ref=ticket.ref,
    )
    await retire_card(ctx.uow, ctx.out, event.engineer_id, ticket, ctx.now, LEFT_TIME_RAN_OUT)


async def level_raised(event: ev.TicketLevelRaised, ticket: Ticket, ctx: Reaction) -> None:
    """A job raised a level: see `_level_raised`."""
    await _level_raised(ctx.uow, ctx.out, ticket, event)


async def offered(event: ev.TicketOffered, ticket: Ticket, ctx: Reaction) -> None:
    """The engineer gets the offer's card (and the client's photos)."""
    await _offer_card(ctx.uow, ctx.out, ticket, event)


async def no_engineer(event: ev.NoEngineerAvailable, ticket: Ticket, ctx: Reaction) -> None:
    """Supervisors hear nobody can take the job; the client hears it is being looked for."""
    await _no_engineer(ctx.uow, ctx.out, ticket, event.reason)


async def accepted(event: ev.OfferAccepted, ticket: Ticket, ctx: Reaction) -> None:
    """The rest of a broadcast hear it was taken; the client hears who took it."""
    uow, out = ctx.uow, ctx.out
    for offer in await uow.offers.list_for_ticket(ticket.id, OfferStatus.WITHDRAWN):
        if offer.decided_at == event.at:  # the rest of a broadcast, withdrawn by this accept
            await to_staff(
                uow, out, offer.engineer_id, N_("{ref} was taken by another engineer."), ref=ticket.ref
            )
            await retire_card(uow, out, offer.engineer_id, ticket, ctx.now, LEFT_TAKEN)
    name = await staff_name(uow, event.engineer_id)
    await to_client(
        uow, out, ticket, N_("Engineer {name} has taken your request {ref}."), name=name, ref=ticket.ref
    )


async def on_the_way(event: ev.EngineerOnTheWay | ev.EngineerOnSite, ticket: Ticket, ctx: Reaction) -> None:
    """The client hears the engineer is on the way or on site."""
    name = await staff_name(ctx.uow, event.actor.id)
    message = (
        N_("Engineer {name} is on the way for {ref}.")
        if isinstance(event, ev.EngineerOnTheWay)
        else N_("Engineer {name} is on site for {ref}.")
    )
    await to_client(ctx.uow, ctx.out, ticket, message, name=name, ref=ticket.ref)


async def started(event: ev.WorkStarted, ticket: Ticket, ctx: Reaction) -> None:
    """The client hears work started, unless the same step said on the way / on site already."""
    if _also_recorded(ctx.uow, event, (ev.EngineerOnTheWay, ev.EngineerOnSite)):
        return
    name = await staff_name(ctx.uow, event.actor.id)
    await to_client(
        ctx.uow, ctx.out, ticket, N_("Engineer {name} has started work on {ref}."), name=name, ref=ticket.ref
    )


async def on_hold(event: ev.TicketPutOnHold, ticket: Ticket, ctx: Reaction) -> None:
    """The client hears the job is on hold, and why."""
    await to_client(
        ctx.uow,
        ctx.out,
        ticket,
        N_("Request {ref} is waiting: {reason}."),
        ref=ticket.ref,
        reason=event.reason,
    )


async def resumed(event: ev.WorkResumed, ticket: Ticket, ctx: Reaction) -> None:
    """The client hears work resumed."""
    await to_client(ctx.uow, ctx.out, ticket, N_("Work on {ref} has resumed."), ref=ticket.ref)


async def resolved(event: ev.TicketResolved, ticket: Ticket, ctx: Reaction) -> None:
    """The client gets the engineer's note and the rating buttons; engineers still deciding on an offer (a
    monitoring recovery resolved it before anyone took it) hear so, and the offer's card loses its buttons."""
    for engineer_id in event.offered_to:
        await to_staff(
            ctx.uow,
            ctx.out,
            engineer_id,
            N_("{ref}: monitoring says the fault cleared by itself; the ticket is resolved. No need to go."),
            ref=ticket.ref,
        )
        await retire_card(ctx.uow, ctx.out, engineer_id, ticket, ctx.now)
    await _resolved(ctx.uow, ctx.out, ticket, event)


async def cancelled(event: ev.TicketCancelled, ticket: Ticket, ctx: Reaction) -> None:
    """Engineers hear a client cancelled; a client hears staff cancelled."""
    await _cancelled(ctx.uow, ctx.out, ticket, event)


async def person_asked(event: ev.PersonAsked, ticket: Ticket, ctx: Reaction) -> None:
    """The client asked for a person: see `_person_asked`."""
    await _person_asked(ctx.uow, ctx.out, ticket)


async def comment_added(event: ev.CommentAdded, ticket: Ticket, ctx: Reaction) -> None:
    """A public comment reaches the other side of the ticket."""
    if event.visibility == "public":
        await comment_notices.comment(ctx.uow, ctx.out, ticket, event)


async def rated(event: ev.TicketRated, ticket: Ticket, ctx: Reaction) -> None:
    """The engineer on the job hears the client's score and comment."""
    if ticket.assignee_id:
        comment = f"\n«{event.comment}»" if event.comment else ""
        await to_staff(
            ctx.uow,
            ctx.out,
            ticket.assignee_id,
            N_("The client rated {ref}: {score} of 5.{comment}"),
            ref=ticket.ref,
            score=event.score,
            comment=comment,
        )


async def sla_alert(event: ev.DomainEvent, ticket: Ticket, ctx: Reaction) -> None:
    """SLA alerts, priority changes and reassignments: `dialogue.sla_alerts`."""
    await sla_alerts.notify(ctx.uow, ctx.out, ticket, event, ctx.now)


async def billing_alert(event: PackageThreshold, ticket: Ticket, ctx: Reaction) -> None:
    """A prepaid package past 80 % or used up: `dialogue.billing_alerts`."""
    await billing_alerts.notify(ctx.uow, ctx.out, ticket, event, ctx.now)


async def job_charged(event: JobCharged, ticket: Ticket, ctx: Reaction) -> None:
    """The client hears what a paid job cost, after its *Done* message: `dialogue.job_cost`."""
    await job_cost.notify(ctx.uow, ctx.out, ticket, event, await client_recipients(ctx.uow, ticket))


async def billing_hold(event: ev.DomainEvent, ticket: Ticket, ctx: Reaction) -> None:
    """An estimate for the client, a debtor's job for the supervisors, and their answers: `dialogue.billing_holds`."""
    await billing_holds.notify(ctx.uow, ctx.out, ticket, event, ctx.now)


async def _level_raised(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.TicketLevelRaised) -> None:
    """Tell the client a specialist takes over, and an engineer a supervisor took the job from; the job's
    card in the chat of the engineer it left has no buttons any more."""
    if event.returned_to_queue and event.from_engineer_id:
        await retire_card(uow, out, event.from_engineer_id, ticket, event.at, LEFT_LEVEL_RAISED)
    if event.returned_to_queue and event.from_engineer_id and event.actor.id != event.from_engineer_id:
        member = await uow.directory.get_staff(event.from_engineer_id)
        if member is not None:
            text = say(
                member.lang,
                "{ref} now needs an L{level} engineer and goes to one. Thank you!",
                ref=ticket.ref,
                level=event.to_level,
            )
            await out.to_person(uow, member.id, Bot.STAFF, text, lang=member.lang)
    for contact_id, lang, prefer in await client_recipients(uow, ticket):
        await out.to_person(
            uow,
            contact_id,
            Bot.CLIENT,
            say(
                lang,
                "Request {ref} needs a more senior specialist, who will take over. We will tell you when the "
                "engineer accepts it.",
                ref=ticket.ref,
            ),
            prefer_channel=prefer,
            lang=lang,
        )


async def _offer_card(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.TicketOffered) -> None:
    member = await uow.directory.get_staff(event.engineer_id)
    if member is None:
        return
    text, buttons = await offer_card(uow, ticket, member.lang, event.reasons, event.at, member.id)
    # The offer is the job's live card in the engineer's chat: accepting turns it into the job card.
    sent = await out.to_person(
        uow, member.id, Bot.STAFF, text, buttons, lang=member.lang, card=card_key(ticket), card_new=True
    )
    if not sent:
        log.warning("engineer %s has no staff chat; offer of %s cannot be delivered", member.id, ticket.ref)
    photos = client_photos(ticket.attachments)
    if photos:  # what the client showed, to look at before accepting
        await out.to_person(
            uow,
            member.id,
            Bot.STAFF,
            say(member.lang, "Photo from the client on {ref}", ref=ticket.ref),
            lang=member.lang,
            media=photos,
        )


async def _person_asked(uow: UnitOfWork, out: Outgoing, ticket: Ticket) -> None:
    """The client typed /human: the engineer on the job (or the supervisors, while nobody has it) hears it,
    with a button to answer."""
    if ticket.assignee_id:
        targets, message = (
            [ticket.assignee_id],
            N_("The client on {ref} wants to talk to you: their messages will come here."),
        )
    else:
        targets, message = (
            [s.id for s in await uow.directory.list_staff(Role.SUPERVISOR)],
            N_(
                "The client on {ref} wants to talk to a person and nobody has the job yet: their messages will come here."
            ),
        )
    for staff_id in targets:
        member = await uow.directory.get_staff(staff_id)
        if member is None:
            continue
        await out.to_person(
            uow,
            member.id,
            Bot.STAFF,
            say(member.lang, message, ref=ticket.ref),
            [[(say(member.lang, "Reply to the client"), JobStep("m", ticket.number).encode())]],
            lang=member.lang,
        )


async def _no_engineer(uow: UnitOfWork, out: Outgoing, ticket: Ticket, reason: str) -> None:
    for sup in await uow.directory.list_staff(Role.SUPERVISOR):
        lang = sup.lang
        await out.to_person(
            uow,
            sup.id,
            Bot.STAFF,
            say(
                lang,
                "No engineer for {ref} ({category}, {priority}): {reason}. Please assign it by hand.",
                ref=ticket.ref,
                category=category_name(lang, ticket.category),
                priority=priority_name(lang, ticket.priority),
                reason=say_reason(reason, lang),
            ),
            sla_alerts.queue_buttons(ticket, lang),
            lang=lang,
        )
    await to_client(
        uow,
        out,
        ticket,
        N_("We are looking for a free engineer for {ref}. A supervisor has been told."),
        ref=ticket.ref,
    )


async def _resolved(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.TicketResolved) -> None:
    # The engineer's `kb:ID` links are for the KB (dialogue.kb_links), not words for the client.
    plain = short(kb_links.without_links(event.note), 1000, keep_lines=True)
    for contact_id, lang, prefer in await client_recipients(uow, ticket):
        note = plain
        if event.checklist:
            # The checklist is data in both languages: the client reads it in theirs, not the engineer's.
            items = "; ".join("✓ " + (ru if lang == "ru" else en) for ru, en in event.checklist)
            note = f"{note}\n" + say(lang, "Checklist: {items}", items=items)
        await out.to_person(
            uow,
            contact_id,
            Bot.CLIENT,
            say(
                lang,
                "Request {ref} is done.\nWhat was done: {note}\n\nPlease rate the work from 1 to 5:",
                ref=ticket.ref,
                note=note,
            ),
            rating_buttons(ticket, lang),
            prefer_channel=prefer,
            lang=lang,
        )


async def _cancelled(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.TicketCancelled) -> None:
    if event.actor.role is Role.CLIENT:
        targets = {event.previous_assignee_id} if event.previous_assignee_id else set()
        targets.update(event.offered_to)  # whoever was still deciding on an offer
        for engineer_id in targets - {None}:
            await to_staff(uow, out, engineer_id, N_("The client cancelled {ref}."), ref=ticket.ref)
            await retire_card(uow, out, engineer_id, ticket, event.at)
    else:
        reason = f"\n{event.reason}" if event.reason else ""
        await to_client(
            uow,
            out,
            ticket,
            N_("Request {ref} was cancelled by the service desk.{reason}"),
            ref=ticket.ref,
            reason=reason,
        )


def _also_recorded(uow: UnitOfWork, event: ev.DomainEvent, kinds: tuple[type[ev.DomainEvent], ...]) -> bool:
    """Whether the same unit recorded a more specific event for the same ticket and moment (say it once)."""
    return any(
        isinstance(e, kinds) and e.ticket_id == event.ticket_id and e.at == event.at for e in uow.collected
    )
