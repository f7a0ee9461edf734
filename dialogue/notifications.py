"""Messages to people about domain events: the chat's handlers on the message bus (`ticket_core.bus`).

Each status change reaches the client, the engineer or the supervisors in their own language. `subscribe`
is the table of which event reaches which handler; the follow-up work the same events call for (routing,
SLA timers) is `ticket_core.handlers`', and the staff group's thread is `dialogue.staff_group`'s.
"""

from __future__ import annotations

import logging

from dialogue import billing_alerts, billing_holds, escalation, kb_links, sla_alerts
from dialogue.cards import card_key, client_photos, offer_card, rating_buttons, retire_card, short
from dialogue.messages import Bot, Media
from dialogue.outgoing import Outgoing
from dialogue.payloads import JobStep
from dialogue.reaction import ChatBus, Reaction
from dialogue.reason_texts import say_reason
from dialogue.texts import category_name, priority_name, t
from ticket_core import events as ev
from ticket_core.billing.events import PackageThreshold
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
    bus.subscribe_many(billing_holds.EVENTS, billing_hold)


async def reopened(event: ev.TicketReopened, ticket: Ticket, ctx: Reaction) -> None:
    """The engineer who had the job hears it was reopened, and why."""
    if ticket.assignee_id:
        await _to_staff(
            ctx.uow,
            ctx.out,
            ticket.assignee_id,
            "n_reopened_staff",
            ref=ticket.ref,
            reason=event.reason or "-",
        )


async def offer_expired(event: ev.OfferExpired, ticket: Ticket, ctx: Reaction) -> None:
    """The engineer who let an offer expire hears it, and the offer's card loses its buttons."""
    await _to_staff(ctx.uow, ctx.out, event.engineer_id, "n_offer_expired", ref=ticket.ref)
    await retire_card(ctx.uow, ctx.out, event.engineer_id, ticket, ctx.now)


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
            await _to_staff(uow, out, offer.engineer_id, "n_offer_withdrawn", ref=ticket.ref)
            await retire_card(uow, out, offer.engineer_id, ticket, ctx.now)
    name = await _staff_name(uow, event.engineer_id)
    await _to_client(uow, out, ticket, "n_accepted", name=name, ref=ticket.ref)


async def on_the_way(event: ev.EngineerOnTheWay | ev.EngineerOnSite, ticket: Ticket, ctx: Reaction) -> None:
    """The client hears the engineer is on the way or on site."""
    name = await _staff_name(ctx.uow, event.actor.id)
    key = "n_on_the_way" if isinstance(event, ev.EngineerOnTheWay) else "n_on_site"
    await _to_client(ctx.uow, ctx.out, ticket, key, name=name, ref=ticket.ref)


async def started(event: ev.WorkStarted, ticket: Ticket, ctx: Reaction) -> None:
    """The client hears work started, unless the same step said on the way / on site already."""
    if _also_recorded(ctx.uow, event, (ev.EngineerOnTheWay, ev.EngineerOnSite)):
        return
    name = await _staff_name(ctx.uow, event.actor.id)
    await _to_client(ctx.uow, ctx.out, ticket, "n_started", name=name, ref=ticket.ref)


async def on_hold(event: ev.TicketPutOnHold, ticket: Ticket, ctx: Reaction) -> None:
    """The client hears the job is on hold, and why."""
    await _to_client(ctx.uow, ctx.out, ticket, "n_on_hold", ref=ticket.ref, reason=event.reason)


async def resumed(event: ev.WorkResumed, ticket: Ticket, ctx: Reaction) -> None:
    """The client hears work resumed."""
    await _to_client(ctx.uow, ctx.out, ticket, "n_resumed", ref=ticket.ref)


async def resolved(event: ev.TicketResolved, ticket: Ticket, ctx: Reaction) -> None:
    """The client gets the engineer's note and the rating buttons; engineers still deciding on an offer (a
    monitoring recovery resolved it before anyone took it) hear so, and the offer's card loses its buttons."""
    for engineer_id in event.offered_to:
        await _to_staff(ctx.uow, ctx.out, engineer_id, "n_offer_recovered", ref=ticket.ref)
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
        await _comment(ctx.uow, ctx.out, ticket, event)


async def rated(event: ev.TicketRated, ticket: Ticket, ctx: Reaction) -> None:
    """The engineer on the job hears the client's score and comment."""
    if ticket.assignee_id:
        comment = f"\n«{event.comment}»" if event.comment else ""
        await _to_staff(
            ctx.uow,
            ctx.out,
            ticket.assignee_id,
            "n_rated",
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


async def billing_hold(event: ev.DomainEvent, ticket: Ticket, ctx: Reaction) -> None:
    """An estimate for the client, a debtor's job for the supervisors, and their answers: `dialogue.billing_holds`."""
    await billing_holds.notify(ctx.uow, ctx.out, ticket, event, ctx.now)


async def _level_raised(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.TicketLevelRaised) -> None:
    """Tell the client a specialist takes over, and an engineer a supervisor took the job from; the job's
    card in the chat of the engineer it left has no buttons any more."""
    if event.returned_to_queue and event.from_engineer_id:
        await retire_card(uow, out, event.from_engineer_id, ticket, event.at)
    if event.returned_to_queue and event.from_engineer_id and event.actor.id != event.from_engineer_id:
        member = await uow.directory.get_staff(event.from_engineer_id)
        if member is not None:
            text = escalation.tr(member.lang, "n_level_taken_off", ref=ticket.ref, level=event.to_level)
            await out.to_person(uow, member.id, Bot.STAFF, text, lang=member.lang)
    for contact_id, lang, prefer in await client_recipients(uow, ticket):
        await out.to_person(
            uow,
            contact_id,
            Bot.CLIENT,
            escalation.tr(lang, "n_level_raised_client", ref=ticket.ref),
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
            t(member.lang, "client_photo", ref=ticket.ref),
            lang=member.lang,
            media=photos,
        )


async def _person_asked(uow: UnitOfWork, out: Outgoing, ticket: Ticket) -> None:
    """The client typed /human: the engineer on the job (or the supervisors, while nobody has it) hears it,
    with a button to answer."""
    if ticket.assignee_id:
        targets, key = [ticket.assignee_id], "n_person_asked"
    else:
        targets, key = (
            [s.id for s in await uow.directory.list_staff(Role.SUPERVISOR)],
            "n_person_asked_queue",
        )
    for staff_id in targets:
        member = await uow.directory.get_staff(staff_id)
        if member is None:
            continue
        await out.to_person(
            uow,
            member.id,
            Bot.STAFF,
            t(member.lang, key, ref=ticket.ref),
            [[(t(member.lang, "btn_reply_client"), JobStep("m", ticket.number).encode())]],
            lang=member.lang,
        )


async def _comment_photos(uow: UnitOfWork, ticket: Ticket, comment_id: str) -> tuple[Media, ...]:
    """The photos a client sent with a message on their ticket, for the engineer to see."""
    for comment in await uow.comments.list_for_ticket(ticket.id, False):
        if comment.id == comment_id:
            return client_photos(comment.attachments)
    return ()


async def _no_engineer(uow: UnitOfWork, out: Outgoing, ticket: Ticket, reason: str) -> None:
    for sup in await uow.directory.list_staff(Role.SUPERVISOR):
        lang = sup.lang
        await out.to_person(
            uow,
            sup.id,
            Bot.STAFF,
            t(
                lang,
                "n_no_engineer",
                ref=ticket.ref,
                category=category_name(lang, ticket.category),
                priority=priority_name(lang, ticket.priority),
                reason=say_reason(reason, lang),
            ),
            sla_alerts.queue_buttons(ticket, lang),
            lang=lang,
        )
    await _to_client(uow, out, ticket, "n_searching", ref=ticket.ref)


async def _resolved(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.TicketResolved) -> None:
    # The engineer's `kb:ID` links are for the KB (dialogue.kb_links), not words for the client.
    plain = short(kb_links.without_links(event.note), 1000, keep_lines=True)
    for contact_id, lang, prefer in await client_recipients(uow, ticket):
        note = plain
        if event.checklist:
            # The checklist is data in both languages: the client reads it in theirs, not the engineer's.
            items = "; ".join("✓ " + (ru if lang == "ru" else en) for ru, en in event.checklist)
            note = f"{note}\n{t(lang, 'checklist_in_note', items=items)}"
        await out.to_person(
            uow,
            contact_id,
            Bot.CLIENT,
            t(lang, "n_resolved", ref=ticket.ref, note=note),
            rating_buttons(ticket, lang),
            prefer_channel=prefer,
            lang=lang,
        )


async def _cancelled(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.TicketCancelled) -> None:
    if event.actor.role is Role.CLIENT:
        targets = {event.previous_assignee_id} if event.previous_assignee_id else set()
        targets.update(event.offered_to)  # whoever was still deciding on an offer
        for engineer_id in targets - {None}:
            await _to_staff(uow, out, engineer_id, "n_client_cancelled", ref=ticket.ref)
            await retire_card(uow, out, engineer_id, ticket, event.at)
    else:
        reason = f"\n{event.reason}" if event.reason else ""
        await _to_client(uow, out, ticket, "n_cancelled_by_staff", ref=ticket.ref, reason=reason)


async def _comment(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.CommentAdded) -> None:
    if event.actor.role is Role.CLIENT:
        # To the engineer on the job, or to the supervisors while nobody has it.
        targets = (
            [ticket.assignee_id]
            if ticket.assignee_id
            else [s.id for s in await uow.directory.list_staff(Role.SUPERVISOR)]
        )
        for staff_id in targets:
            member = await uow.directory.get_staff(staff_id) if staff_id else None
            if member is None:
                continue
            lang = member.lang
            await out.to_person(
                uow,
                member.id,
                Bot.STAFF,
                t(lang, "n_client_comment", ref=ticket.ref, text=event.text or "📎"),
                [[(t(lang, "btn_reply_client"), JobStep("m", ticket.number).encode())]],
                lang=lang,
                media=await _comment_photos(uow, ticket, event.comment_id),
            )
        # The client's other people on the ticket (its contact, its followers) read what a colleague wrote.
        for contact_id, lang, prefer in await client_recipients(uow, ticket):
            if contact_id == event.actor.id:
                continue
            await out.to_person(
                uow,
                contact_id,
                Bot.CLIENT,
                t(
                    lang,
                    "n_colleague_comment",
                    ref=ticket.ref,
                    name=event.actor.name or "-",
                    text=event.text or "📎",
                ),
                prefer_channel=prefer,
                lang=lang,
            )
    elif event.actor.is_staff:
        # Integrations act as supervisors with ids like "api:crm" and have no staff record.
        member = await uow.directory.get_staff(event.actor.id)
        name = member.name if member else (event.actor.name or event.actor.id)
        await _to_client(uow, out, ticket, "n_staff_comment", ref=ticket.ref, name=name, text=event.text)


async def client_recipients(uow: UnitOfWork, ticket: Ticket) -> list[tuple[str, str, str | None]]:
    """Who hears a ticket's news on the client's side, each with their language and preferred channel: its
    contact (on the channel the ticket came from), then its followers (on every chat they use)."""
    people: list[tuple[str, str, str | None]] = []
    if ticket.contact_id:
        people.append((ticket.contact_id, await _client_lang(uow, ticket), ticket.source_channel))
    for contact_id in await uow.tickets.followers(ticket.id):
        contact = await uow.directory.get_contact(contact_id)
        if contact is not None and contact_id != ticket.contact_id and contact.client_id == ticket.client_id:
            people.append((contact_id, contact.lang, None))
    return people


async def _to_client(uow: UnitOfWork, out: Outgoing, ticket: Ticket, key: str, **values: object) -> None:
    for contact_id, lang, prefer in await client_recipients(uow, ticket):
        await out.to_person(
            uow, contact_id, Bot.CLIENT, t(lang, key, **values), prefer_channel=prefer, lang=lang
        )


async def _to_staff(uow: UnitOfWork, out: Outgoing, staff_id: str, key: str, **values: object) -> None:
    member = await uow.directory.get_staff(staff_id)
    if member is not None:
        await out.to_person(uow, member.id, Bot.STAFF, t(member.lang, key, **values), lang=member.lang)


async def _client_lang(uow: UnitOfWork, ticket: Ticket) -> str:
    contact = await uow.directory.get_contact(ticket.contact_id) if ticket.contact_id else None
    return contact.lang if contact else "ru"


async def _staff_name(uow: UnitOfWork, staff_id: str) -> str:
    member = await uow.directory.get_staff(staff_id)
    return member.name if member else "-"


def _also_recorded(uow: UnitOfWork, event: ev.DomainEvent, kinds: tuple[type[ev.DomainEvent], ...]) -> bool:
    """Whether the same unit recorded a more specific event for the same ticket and moment (say it once)."""
    return any(
        isinstance(e, kinds) and e.ticket_id == event.ticket_id and e.at == event.at for e in uow.collected
    )
