"""A thread per ticket in the staff group: a forum topic (or, without topics, the replies to the ticket's card).

Out: when a ticket opens, one outbox row asks the channel to create the topic "HD-123 · client · category"
(`ThreadOp.CREATE_TOPIC`) and the next posts the ticket card in it; in a group without topics one row
posts the card, whose replies form the thread (`ThreadOp.ROOT`). The ticket's thread is recorded here as `opening` in the
same transaction; the delivery loop records the topic id or the card's message id when that row is sent.
Later rows for the ticket carry `thread_of` and are addressed at delivery time; they queue behind the
creating row because the outbox keeps each chat's order. Status changes and SLA alerts are posted to the
thread, and resolving, closing or cancelling a ticket closes its topic (a reopen opens it again).

In: a known staff member's message in a ticket's topic (or a reply in its thread) becomes an INTERNAL note
on the ticket; one that starts with "!" or "/client" becomes a PUBLIC comment, which the client gets
through the usual relay. Anyone else in the group gets one polite refusal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dialogue import sla_alerts
from dialogue.cards import client_name, short, where_of
from dialogue.i18n import N_, say
from dialogue.identity import StaffPerson
from dialogue.messages import Bot, Channel, Inbound, ThreadOp, split_command
from dialogue.outgoing import Outgoing
from dialogue.ports import DialogueUnitOfWork, TicketThreadStore
from dialogue.reason_texts import say_reason, say_reasons
from dialogue.regions import km_text
from dialogue.texts import category_name, priority_name
from dialogue.turn import Turn
from ticket_core import events as ev
from ticket_core import usecases as uc
from ticket_core.enums import Role, Visibility
from ticket_core.model import Attachment, ThreadState, Ticket, TicketThread
from ticket_core.ports import UnitOfWork

log = logging.getLogger(__name__)

TOPIC_NAME_LIMIT = 128  # Telegram's limit for a forum topic's name
CLIENT_PREFIXES = ("!", "/client")


SLA_LINES: dict[str, str] = {
    "sla_warning": N_("⏰ SLA {clock}: due soon, by {due}"),
    "sla_breached": N_("🚨 SLA {clock}: breached ({due})"),
    "sla_escalated": N_("🚨 SLA {clock}: escalated, level {level}"),
}
"""The thread's line for each SLA event, by event name."""


@dataclass(frozen=True, slots=True)
class StaffGroup:
    """The staff group chat that gets a thread per ticket.

    Attributes:
        chat_id: the group's chat id (a Telegram supergroup id such as -1001234567890).
        forum: True when the group has topics (one topic per ticket); False: replies to the card.
        channel: the platform of the group.
        lang: the language of what is posted there.
    """

    chat_id: str
    forum: bool = True
    channel: Channel = Channel.TELEGRAM
    lang: str = "ru"

    def is_group(self, inbound: Inbound) -> bool:
        """Tell whether an inbound message was written in this group."""
        return (
            inbound.bot is Bot.STAFF and inbound.channel is self.channel and inbound.chat_id == self.chat_id
        )


def topic_name(ticket: Ticket, client: str, category: str) -> str:
    """ "HD-123 · client · category", cut to Telegram's limit on the client's name."""
    name = f"{ticket.ref} · {client} · {category}"
    if len(name) <= TOPIC_NAME_LIMIT:
        return name
    room = TOPIC_NAME_LIMIT - len(f"{ticket.ref} ·  · {category}") - 1
    return f"{ticket.ref} · {client[: max(0, room)]}… · {category}"[:TOPIC_NAME_LIMIT]


class StaffGroupPoster:
    """Posts a ticket's life to its thread in the staff group (subscribed to every event on the bus, dialogue.chat_bus)."""

    def __init__(self, group: StaffGroup) -> None:
        self.group = group

    def _post(
        self, out: Outgoing, ticket: Ticket, text: str, op: ThreadOp | None = None, **extra: Any
    ) -> None:
        g = self.group
        out.to_chat(
            g.channel,
            Bot.STAFF,
            g.chat_id,
            g.chat_id,
            text,
            thread_of=ticket.id,
            thread_op=op,
            lang=g.lang,
            **extra,
        )

    async def on_event(
        self, uow: DialogueUnitOfWork, out: Outgoing, ticket: Ticket, event: ev.DomainEvent, now: datetime
    ) -> None:
        """Open, post to or close the ticket's thread for one recorded event."""
        threads = uow.threads
        if isinstance(event, ev.TicketOpened):
            await self._open(uow, threads, out, ticket, now)
            return
        thread = await threads.get(ticket.id)
        if thread is None:
            return  # opened before the staff group was set up
        if isinstance(event, ev.TicketReopened) and thread.state is ThreadState.CLOSED:
            if thread.forum:
                self._post(out, ticket, "", ThreadOp.REOPEN_TOPIC)
            await threads.set_state(ticket.id, ThreadState.OPEN, now)
        text = await self._line(uow, ticket, event, now)
        if text:
            self._post(out, ticket, text)
        if isinstance(event, ev.TicketResolved | ev.TicketClosed | ev.TicketCancelled):
            if thread.state is not ThreadState.CLOSED:
                if thread.forum:
                    self._post(out, ticket, "", ThreadOp.CLOSE_TOPIC)
                await threads.set_state(ticket.id, ThreadState.CLOSED, now)

    async def _open(
        self, uow: UnitOfWork, threads: TicketThreadStore, out: Outgoing, ticket: Ticket, now: datetime
    ) -> None:
        if await threads.get(ticket.id) is not None:
            return
        g, lang = self.group, self.group.lang
        client = await uow.directory.get_client(ticket.client_id)
        category = category_name(lang, ticket.category)
        await threads.add(
            TicketThread(ticket.id, str(g.channel), str(Bot.STAFF), g.chat_id, g.forum, created_at=now), now
        )
        card = say(
            lang,
            "🆕 {ref} · {priority} · {category}\nClient: {client}\nWhere: {where}\n\n{description}\n\n"
            'Write notes on the ticket here; "!text" or "/client text" goes to the client.',
            ref=ticket.ref,
            priority=priority_name(lang, ticket.priority),
            category=category,
            client=await client_name(uow, ticket),
            where=await where_of(uow, ticket),
            description=short(ticket.description, 1500),
        )
        if g.forum:
            # Two rows: the topic first (one API call, so a retry cannot leave a card behind), then the
            # card, addressed to the topic when it is delivered.
            title = topic_name(ticket, client.name if client else ticket.client_id, category)
            self._post(out, ticket, "", ThreadOp.CREATE_TOPIC, thread_title=title)
            self._post(out, ticket, card)
        else:
            self._post(out, ticket, card, ThreadOp.ROOT)

    async def _line(
        self, uow: UnitOfWork, ticket: Ticket, event: ev.DomainEvent, now: datetime
    ) -> str | None:
        lang = self.group.lang

        async def name(staff_id: str | None) -> str:
            member = await uow.directory.get_staff(staff_id) if staff_id else None
            return member.name if member else (staff_id or "-")

        def why(reason: str | None) -> str:
            return f": {reason}" if reason else ""

        match event:
            case ev.TicketOffered():
                return say(
                    lang,
                    "📨 Offered to {name} ({why})",
                    name=await name(event.engineer_id),
                    why=say_reasons(event.reasons, lang),
                )
            case ev.NoEngineerAvailable():
                return say(lang, "⚠️ No engineer available: {reason}", reason=say_reason(event.reason, lang))
            case ev.OfferAccepted():
                return say(lang, "✅ Accepted by {name}", name=await name(event.engineer_id))
            case ev.OfferDeclined():
                return say(
                    lang,
                    "↩️ {name} declined{reason}",
                    name=await name(event.engineer_id),
                    reason=why(event.reason),
                )
            case ev.OfferExpired():
                return say(lang, "⌛ {name} did not answer in time", name=await name(event.engineer_id))
            case ev.TicketReturnedToQueue():
                return say(lang, "🔁 Back in the queue: {reason}", reason=event.reason)
            case ev.EngineerOnTheWay():
                return say(lang, "🚗 {name} is on the way", name=await name(event.actor.id))
            case ev.EngineerOnSite():
                km = (
                    say(lang, " ({km} km)", km=km_text(lang, event.distance_km))  # "(0,4 км)" in Russian
                    if event.distance_km is not None
                    else ""
                )
                return say(
                    lang, "📍 {name} is on site{distance}", name=await name(event.actor.id), distance=km
                )
            case ev.WorkStarted() if not any(
                isinstance(e, ev.EngineerOnTheWay | ev.EngineerOnSite) and e.ticket_id == event.ticket_id
                for e in uow.collected
            ):
                return say(lang, "🔧 {name} started work", name=await name(event.actor.id))
            case ev.TicketPutOnHold():
                return say(lang, "⏸ On hold: {reason}", reason=event.reason)
            case ev.WorkResumed():
                return say(lang, "▶️ Work resumed")
            case ev.TicketHandedOver():
                return say(
                    lang,
                    "🔀 {name} handed the job over{reason}",
                    name=await name(event.from_engineer_id),
                    reason=why(event.reason),
                )
            case ev.TicketLevelRaised():
                return say(
                    lang,
                    "⬆️ Needs an L{to_level} engineer (was L{from_level}){reason}",
                    to_level=event.to_level,
                    from_level=event.from_level,
                    reason=why(event.reason),
                )
            case ev.TicketResolved():
                return say(lang, "🏁 Resolved: {note}", note=short(event.note, 1000))
            case ev.TicketClosed():
                return say(lang, "🔒 Closed")
            case ev.TicketCancelled():
                return say(lang, "✖️ Cancelled{reason}", reason=why(event.reason))
            case ev.TicketReopened():
                return say(lang, "♻️ Reopened{reason}", reason=why(event.reason))
            case ev.TicketRated():
                return say(lang, "⭐ Client's rating: {score} of 5", score=event.score)
            case ev.CommentAdded() if event.actor.role is Role.CLIENT:
                return say(lang, "💬 Client: {text}", text=short(event.text or "📎", 1500))
            case _ if sla_alerts.handles(event):
                return self._sla_line(event, lang)
        return None

    @staticmethod
    def _sla_line(event: ev.DomainEvent, lang: str) -> str:
        kind = getattr(event, "kind", None)
        if event.name in SLA_LINES and kind:
            return say(
                lang,
                SLA_LINES[event.name],
                clock=say(lang, sla_alerts.CLOCK_NAMES[kind]),
                due=_due(getattr(event, "due_at", None)),
                level=getattr(event, "level", "-"),
            )
        details = ", ".join(f"{k}={v}" for k, v in event.data().items() if v is not None)
        return say(
            lang,
            "ℹ️ SLA: {what}",
            what=f"{event.name.replace('_', ' ')} ({details})" if details else event.name,
        )


class StaffGroupFlow:
    """Handles messages written in the staff group: notes and client messages in a ticket's thread."""

    def __init__(self, group: StaffGroup) -> None:
        self.group = group

    async def handle(self, turn: Turn, person: StaffPerson | None) -> None:
        """Record a message in a ticket's thread on that ticket; ignore the rest of the group's chatter."""
        inbound = turn.inbound
        turn.lang = self.group.lang
        threads = turn.uow.threads
        if inbound.payload is not None:
            return
        thread = await threads.find(
            str(inbound.channel),
            str(inbound.bot),
            inbound.chat_id,
            thread_id=inbound.thread_id if self.group.forum else None,
            root=None if self.group.forum else inbound.reply_to,
        )
        if thread is None:
            return  # not a ticket's thread: people talk among themselves
        reply_to = None if thread.forum else thread.root_message_id
        if person is None:
            if not turn.state.refused:
                turn.state.refused = True
                turn.reply(
                    say(
                        turn.lang,
                        "Sorry, I only record messages from service staff on tickets. To write here, link your account "
                        "first: /start CODE in a private chat with me.",
                    ),
                    reply_to=reply_to,
                )
            return
        text = (inbound.text or "").strip()
        attachments = tuple(
            Attachment(m.kind, m.file_id, str(inbound.channel), m.caption) for m in inbound.media
        )
        body = _client_text(text)
        if body is not None:
            if not body and not attachments:
                turn.reply(
                    say(turn.lang, 'Write the text for the client after "!" or "/client".'), reply_to=reply_to
                )
                return
            await uc.add_comment(
                turn.uow, person.actor, thread.ticket_id, turn.now, body, Visibility.PUBLIC, attachments
            )
            turn.reply(say(turn.lang, "➜ Sent to the client."), reply_to=reply_to)
            return
        if not text and not attachments:
            return  # a location or a sticker: nothing to note
        await uc.add_team_note(turn.uow, person.actor, thread.ticket_id, turn.now, text, attachments)


def _due(due_at: str | None) -> str:
    """An SLA deadline (ISO text in the event) as "02.03 18:00 UTC"; the group spans time zones."""
    if not due_at:
        return "-"
    try:
        return f"{datetime.fromisoformat(due_at).astimezone(UTC):%d.%m %H:%M} UTC"
    except ValueError:
        return due_at


def _client_text(text: str) -> str | None:
    """The text for the client when the message is marked for them ("!text", "/client text"), else None."""
    if text.startswith("!"):
        return text[1:].strip()
    command, rest = split_command(text)
    if command == "/client":
        return rest.strip()
    return None
