"""Turn domain events into messages for people, and into the follow-up work they call for.

`Notifier.react` walks every event a unit of work recorded (including events its own follow-ups record):
a new ticket is routed, a declined or expired offer is routed again, and each status change reaches the
client, the engineer or the supervisors in their own language.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from dialogue import billing_alerts, escalation, kb_links, sla_alerts
from dialogue.cards import card_key, client_photos, offer_card, rating_buttons, retire_card, short
from dialogue.messages import Bot, Media
from dialogue.outgoing import Outgoing
from dialogue.ports import DialogueUnitOfWork
from dialogue.reason_texts import say_reason
from dialogue.staff_group import StaffGroup, StaffGroupPoster
from dialogue.texts import category_name, priority_name, t
from ticket_core import events as ev
from ticket_core import usecases as uc
from ticket_core.enums import OfferStatus, Role, TicketStatus
from ticket_core.errors import DomainError
from ticket_core.model import Actor, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.routing import Strategy
from ticket_core.usecases import sla as sla_uc

log = logging.getLogger(__name__)

RESCHEDULE_ON = frozenset(
    {
        ev.TicketOpened.name,
        ev.TicketPutOnHold.name,
        ev.WorkResumed.name,
        ev.TicketResolved.name,
        ev.TicketReopened.name,
        ev.TicketClosed.name,
        ev.TicketCancelled.name,
        ev.TicketReturnedToQueue.name,
        ev.TicketLevelRaised.name,
        ev.OfferAccepted.name,
    }
)
"""Events after which a ticket's SLA timer is computed again."""


class Notifier:
    """Reacts to recorded events inside the same unit of work."""

    def __init__(
        self,
        offer_timeout_s: int = 600,
        strategies: Mapping[str, Strategy] | None = None,
        broadcast_size: int = 5,
        staff_group: StaffGroup | None = None,
    ) -> None:
        self.offer_timeout = timedelta(seconds=offer_timeout_s)
        self.strategies = dict(strategies or {})
        self.broadcast_size = broadcast_size
        # Each ticket's thread in the staff group, when one is configured (dialogue.staff_group).
        self.group_poster = StaffGroupPoster(staff_group) if staff_group is not None else None

    async def react(self, uow: DialogueUnitOfWork, out: Outgoing, now: datetime, start: int = 0) -> int:
        """Handle events recorded from index `start` on, until none are left; return the new index."""
        i = start
        while i < len(uow.collected):
            event = uow.collected[i]
            i += 1
            try:
                await self._one(uow, out, event, now)
            except DomainError as exc:  # a follow-up that no longer applies is not an error of the turn
                log.info("follow-up of %s skipped: %s", event.name, exc)
        return i

    async def _one(
        self, uow: DialogueUnitOfWork, out: Outgoing, event: ev.DomainEvent, now: datetime
    ) -> None:
        ticket = await uow.tickets.get(event.ticket_id) if event.ticket_id else None
        if ticket is None:
            return
        await self._react(uow, out, ticket, event, now)
        if self.group_poster is not None:
            await self.group_poster.on_event(uow, out, ticket, event, now)
        if event.name in RESCHEDULE_ON and uow.sla is not None:
            # The SLA clock depends on this change: move the ticket's durable timer.
            fresh = await uow.tickets.get(ticket.id)
            if fresh is not None:
                await sla_uc.reschedule(uow, fresh, now)

    async def _react(
        self, uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.DomainEvent, now: datetime
    ) -> None:
        match event:
            case (
                ev.TicketOpened()
                | ev.TicketReopened()
                | ev.OfferDeclined()
                | ev.OfferExpired()
                | ev.TicketHandedOver()
                | ev.TicketLevelRaised()
            ):
                if isinstance(event, ev.TicketLevelRaised):
                    await self._level_raised(uow, out, ticket, event)
                if isinstance(event, ev.TicketReopened) and ticket.assignee_id:
                    await self._to_staff(
                        uow,
                        out,
                        ticket.assignee_id,
                        "n_reopened_staff",
                        ref=ticket.ref,
                        reason=event.reason or "-",
                    )
                if isinstance(event, ev.OfferExpired):
                    await self._to_staff(uow, out, event.engineer_id, "n_offer_expired", ref=ticket.ref)
                    await self._retire_card(uow, out, event.engineer_id, ticket, now)
                if ticket.status in (TicketStatus.NEW, TicketStatus.REOPENED):
                    await uc.offer_ticket(
                        uow,
                        Actor.system(),
                        ticket.id,
                        now,
                        offer_timeout=self.offer_timeout,
                        strategy=self.strategies.get(ticket.category, Strategy.BEST_MATCH),
                        broadcast_size=self.broadcast_size,
                    )
            case ev.TicketOffered():
                await self._offer_card(uow, out, ticket, event)
            case ev.NoEngineerAvailable():
                await self._no_engineer(uow, out, ticket, event.reason)
            case ev.OfferAccepted():
                for offer in await uow.offers.list_for_ticket(ticket.id, OfferStatus.WITHDRAWN):
                    if offer.decided_at == event.at:  # the rest of a broadcast, withdrawn by this accept
                        await self._to_staff(uow, out, offer.engineer_id, "n_offer_withdrawn", ref=ticket.ref)
                        await self._retire_card(uow, out, offer.engineer_id, ticket, now)
                name = await self._staff_name(uow, event.engineer_id)
                await self._to_client(uow, out, ticket, "n_accepted", name=name, ref=ticket.ref)
            case ev.EngineerOnTheWay() | ev.EngineerOnSite():
                name = await self._staff_name(uow, event.actor.id)
                key = "n_on_the_way" if isinstance(event, ev.EngineerOnTheWay) else "n_on_site"
                await self._to_client(uow, out, ticket, key, name=name, ref=ticket.ref)
            case ev.WorkStarted() if not _also_recorded(uow, event, (ev.EngineerOnTheWay, ev.EngineerOnSite)):
                name = await self._staff_name(uow, event.actor.id)
                await self._to_client(uow, out, ticket, "n_started", name=name, ref=ticket.ref)
            case ev.TicketPutOnHold():
                await self._to_client(uow, out, ticket, "n_on_hold", ref=ticket.ref, reason=event.reason)
            case ev.WorkResumed():
                await self._to_client(uow, out, ticket, "n_resumed", ref=ticket.ref)
            case ev.TicketResolved():
                await self._resolved(uow, out, ticket, event)
            case ev.TicketCancelled():
                await self._cancelled(uow, out, ticket, event)
            case ev.PersonAsked():
                await self._person_asked(uow, out, ticket)
            case ev.CommentAdded() if event.visibility == "public":
                await self._comment(uow, out, ticket, event)
            case ev.TicketRated() if ticket.assignee_id:
                comment = f"\n«{event.comment}»" if event.comment else ""
                await self._to_staff(
                    uow,
                    out,
                    ticket.assignee_id,
                    "n_rated",
                    ref=ticket.ref,
                    score=event.score,
                    comment=comment,
                )
            case _ if sla_alerts.handles(event):
                await sla_alerts.notify(uow, out, ticket, event, now)
            case _ if billing_alerts.handles(event):
                await billing_alerts.notify(uow, out, ticket, event, now)
            case _:
                pass

    async def _level_raised(
        self, uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.TicketLevelRaised
    ) -> None:
        """Tell the client a specialist takes over, and an engineer a supervisor took the job from; the job's
        card in the chat of the engineer it left has no buttons any more."""
        if event.returned_to_queue and event.from_engineer_id:
            await retire_card(uow, out, event.from_engineer_id, ticket, event.at)
        if event.returned_to_queue and event.from_engineer_id and event.actor.id != event.from_engineer_id:
            member = await uow.directory.get_staff(event.from_engineer_id)
            if member is not None:
                text = escalation.tr(member.lang, "n_level_taken_off", ref=ticket.ref, level=event.to_level)
                await out.to_person(uow, member.id, Bot.STAFF, text, lang=member.lang)
        if ticket.contact_id:
            lang = await self._client_lang(uow, ticket)
            await out.to_person(
                uow,
                ticket.contact_id,
                Bot.CLIENT,
                escalation.tr(lang, "n_level_raised_client", ref=ticket.ref),
                prefer_channel=ticket.source_channel,
                lang=lang,
            )

    async def _offer_card(
        self, uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.TicketOffered
    ) -> None:
        member = await uow.directory.get_staff(event.engineer_id)
        if member is None:
            return
        text, buttons = await offer_card(uow, ticket, member.lang, event.reasons, event.at, member.id)
        # The offer is the job's live card in the engineer's chat: accepting turns it into the job card.
        sent = await out.to_person(
            uow, member.id, Bot.STAFF, text, buttons, lang=member.lang, card=card_key(ticket), card_new=True
        )
        if not sent:
            log.warning(
                "engineer %s has no staff chat; offer of %s cannot be delivered", member.id, ticket.ref
            )
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

    async def _person_asked(self, uow: UnitOfWork, out: Outgoing, ticket: Ticket) -> None:
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
                [[(t(member.lang, "btn_reply_client"), f"jb:m:{ticket.number}")]],
                lang=member.lang,
            )

    @staticmethod
    async def _comment_photos(uow: UnitOfWork, ticket: Ticket, comment_id: str) -> tuple[Media, ...]:
        """The photos a client sent with a message on their ticket, for the engineer to see."""
        for comment in await uow.comments.list_for_ticket(ticket.id, False):
            if comment.id == comment_id:
                return client_photos(comment.attachments)
        return ()

    @staticmethod
    async def _retire_card(
        uow: UnitOfWork, out: Outgoing, engineer_id: str | None, ticket: Ticket, now: datetime
    ) -> None:
        await retire_card(uow, out, engineer_id, ticket, now)

    async def _no_engineer(self, uow: UnitOfWork, out: Outgoing, ticket: Ticket, reason: str) -> None:
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
        await self._to_client(uow, out, ticket, "n_searching", ref=ticket.ref)

    async def _resolved(
        self, uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.TicketResolved
    ) -> None:
        lang = await self._client_lang(uow, ticket)
        # The engineer's `kb:ID` links are for the KB (dialogue.kb_links), not words for the client.
        note = short(kb_links.without_links(event.note), 1000, keep_lines=True)
        if event.checklist:
            # The checklist is data in both languages: the client reads it in theirs, not the engineer's.
            items = "; ".join("✓ " + (ru if lang == "ru" else en) for ru, en in event.checklist)
            note = f"{note}\n{t(lang, 'checklist_in_note', items=items)}"
        if ticket.contact_id:
            await out.to_person(
                uow,
                ticket.contact_id,
                Bot.CLIENT,
                t(lang, "n_resolved", ref=ticket.ref, note=note),
                rating_buttons(ticket, lang),
                prefer_channel=ticket.source_channel,
                lang=lang,
            )

    async def _cancelled(
        self, uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.TicketCancelled
    ) -> None:
        if event.actor.role is Role.CLIENT:
            targets = {event.previous_assignee_id} if event.previous_assignee_id else set()
            targets.update(event.offered_to)  # whoever was still deciding on an offer
            for engineer_id in targets - {None}:
                await self._to_staff(uow, out, engineer_id, "n_client_cancelled", ref=ticket.ref)
                await self._retire_card(uow, out, engineer_id, ticket, event.at)
        else:
            lang = await self._client_lang(uow, ticket)
            reason = f"\n{event.reason}" if event.reason else ""
            await self._to_client(
                uow, out, ticket, "n_cancelled_by_staff", ref=ticket.ref, reason=reason, lang=lang
            )

    async def _comment(self, uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: ev.CommentAdded) -> None:
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
                    [[(t(lang, "btn_reply_client"), f"jb:m:{ticket.number}")]],
                    lang=lang,
                    media=await self._comment_photos(uow, ticket, event.comment_id),
                )
        elif event.actor.is_staff:
            # Integrations act as supervisors with ids like "api:crm" and have no staff record.
            member = await uow.directory.get_staff(event.actor.id)
            name = member.name if member else (event.actor.name or event.actor.id)
            await self._to_client(
                uow, out, ticket, "n_staff_comment", ref=ticket.ref, name=name, text=event.text
            )

    async def _to_client(
        self,
        uow: UnitOfWork,
        out: Outgoing,
        ticket: Ticket,
        key: str,
        lang: str | None = None,
        **values: object,
    ) -> None:
        if not ticket.contact_id:
            return
        lang = lang or await self._client_lang(uow, ticket)
        await out.to_person(
            uow,
            ticket.contact_id,
            Bot.CLIENT,
            t(lang, key, **values),
            prefer_channel=ticket.source_channel,
            lang=lang,
        )

    async def _to_staff(
        self, uow: UnitOfWork, out: Outgoing, staff_id: str, key: str, **values: object
    ) -> None:
        member = await uow.directory.get_staff(staff_id)
        if member is not None:
            await out.to_person(uow, member.id, Bot.STAFF, t(member.lang, key, **values), lang=member.lang)

    @staticmethod
    async def _client_lang(uow: UnitOfWork, ticket: Ticket) -> str:
        contact = await uow.directory.get_contact(ticket.contact_id) if ticket.contact_id else None
        return contact.lang if contact else "ru"

    @staticmethod
    async def _staff_name(uow: UnitOfWork, staff_id: str) -> str:
        member = await uow.directory.get_staff(staff_id)
        return member.name if member else "-"


def _also_recorded(uow: UnitOfWork, event: ev.DomainEvent, kinds: tuple[type[ev.DomainEvent], ...]) -> bool:
    """Whether the same unit recorded a more specific event for the same ticket and moment (say it once)."""
    return any(
        isinstance(e, kinds) and e.ticket_id == event.ticket_id and e.at == event.at for e in uow.collected
    )
