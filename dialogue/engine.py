"""The conversation engine: one inbound message in, replies and domain changes out, in one transaction.

`handle` drops repeats (dedup on the platform's update id), resolves who is writing, runs the client or
staff flow, dispatches the recorded events on the message bus (`dialogue.chat_bus`: follow-up work such as
routing, messages to people, outgoing webhooks), writes every outgoing message to the outbox and commits. When a use case refuses (bad input, not yours, already taken)
everything is rolled back and the person gets a clear answer in a second, clean transaction: bad input
changes nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from dialogue.chat_bus import chat_bus
from dialogue.client_flow import ClientFlow
from dialogue.conversation import ConversationState, load_state, save_state
from dialogue.email_flow import EmailFlow, mail_query
from dialogue.errors import explain
from dialogue.i18n import say
from dialogue.identity import find_staff, resolve_client, resolve_staff
from dialogue.kb_replies import KnowledgeSource
from dialogue.messages import MAX_TEXT_CHARS, Bot, Channel, Inbound, Outbound, split_command
from dialogue.outgoing import Outgoing
from dialogue.payloads import Action, PayloadSigner, decode
from dialogue.portal_link import PortalLinkPolicy
from dialogue.ports import DialogueUnitOfWork, OutboxMessage, SenderReads
from dialogue.prefetch import Prefetched, SenderHints, prefetch
from dialogue.reaction import ChatBus, Reaction
from dialogue.report_command import PreparedReport, ReportCommand
from dialogue.staff_flow import StaffFlow
from dialogue.staff_group import StaffGroup, StaffGroupFlow
from dialogue.texts import norm_lang
from dialogue.turn import Turn, state_key
from dialogue.understanding import Parser
from ticket_core.errors import DomainError
from ticket_core.model import Ticket
from ticket_core.utc import utcnow

log = logging.getLogger(__name__)

U = TypeVar("U", bound=DialogueUnitOfWork)
"""The unit of work the engine's factory makes: `run_system`'s work and `turn`'s `then` get this very type."""
T = TypeVar("T")
REF = re.compile(r"HD-(\d+)")


class DialogueEngine(Generic[U]):
    """Handles inbound messages for every role and channel."""

    def __init__(
        self,
        uow_factory: Callable[[], U],
        signer: PayloadSigner,
        *,
        kb: KnowledgeSource | None = None,
        nlu: Parser | None = None,
        bus: ChatBus | None = None,
        clock: Callable[[], datetime] = utcnow,
        default_lang: str = "ru",
        reopen_window: timedelta = timedelta(days=7),
        staff_group: StaffGroup | None = None,
        reports: ReportCommand | None = None,
        email_open_unknown: bool = True,
        portal_links: PortalLinkPolicy | None = None,
        senders: SenderReads | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.senders = senders  # the prefetch's short read in one statement (PostgreSQL); else a unit of work
        self.signer = signer
        # The handlers of recorded events; without one, the chat's own (default routing, no webhooks).
        self.bus = bus if bus is not None else chat_bus(staff_group=staff_group)
        self.client_flow = ClientFlow(kb, nlu, reopen_window, portal_links)
        self.email_flow = EmailFlow(kb, nlu, reopen_window, open_unknown=email_open_unknown)
        self.staff_flow = StaffFlow(kb=kb, reports=reports)
        self.staff_group = staff_group
        self.group_flow = StaffGroupFlow(staff_group) if staff_group is not None else None
        self.clock = clock
        self.default_lang = default_lang
        self.hints = SenderHints()

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """Process one inbound message; return the messages queued in the outbox (empty for a repeat).

        A refusal of a use case (bad input, not yours, already taken) is answered and changes nothing else.
        Any other failure (the database went away, a bug) is raised with nothing changed: the durable inbox
        (`helpdesk.inbox`) tries again, and parks the message as a dead letter when it keeps failing.
        Messages are returned only from a transaction that committed `uow.inbound.first_time` for this
        message (which marks its inbox row done too); a repeat returns none.
        """
        return (await self.turn(inbound))[0]

    async def turn(
        self, inbound: Inbound, then: Callable[[U], Awaitable[T]] | None = None
    ) -> tuple[list[Outbound], T | None]:
        """`handle`, and `then` as the last work of the transaction that answers the message, right before its
        commit: what the caller must commit with the turn (the durable inbox claims the chat's next message,
        `helpdesk.inbox`). Returns the messages and what `then` returned, or None when no transaction that
        ran it committed (a repeat, a failure).
        """
        now = self.clock()
        lang = norm_lang(inbound.lang) if inbound.lang else self.default_lang
        try:
            ready = await self._prefetch(inbound, now)
            async with self.uow_factory() as uow:
                if not await uow.inbound.first_time(inbound.dedup_key, now):
                    return [], None
                turn = await self._run(uow, inbound, now, ready)
                await self._finish(uow, turn)
                closed = await then(uow) if then is not None else None
                await uow.commit()
            if turn.client_id is not None:
                self.hints.put(state_key(inbound), turn.client_id, turn.state.stage)
            return turn.out.messages, closed
        except DomainError as error:
            return await self._refuse(inbound, now, error, lang, then)

    async def _prefetch(self, inbound: Inbound, now: datetime) -> Prefetched | PreparedReport | None:
        """The slow reads of a turn, done before its transaction opens.

        A client's plain text gets its NLU and KB search (see dialogue.prefetch), a staff member's `/report`
        its report and chart (see dialogue.report_command).
        """
        if inbound.bot is Bot.STAFF:
            return await self._prefetch_report(inbound, now)
        text = mail_query(inbound) if inbound.channel is Channel.EMAIL else (inbound.text or "").strip()
        if inbound.bot is not Bot.CLIENT or inbound.payload or not text or text.startswith("/"):
            return None
        if len(text) > MAX_TEXT_CHARS:
            return None
        hint = self.hints.get(state_key(inbound))
        client_id: str | None
        if hint is not None:  # known from this sender's last turn: no database read (see SenderHints)
            client_id, stage = hint.client_id, hint.stage
        elif self.senders is not None:  # a short read: who writes, and is a form open?
            client_id, kept = await self.senders.client_and_state(
                str(inbound.channel), str(Bot.CLIENT), inbound.sender_id, state_key(inbound)
            )
            stage = ConversationState.from_dict(kept).stage
        else:
            async with self.uow_factory() as uow:
                _, contact = await uow.accounts.find_with_contact(
                    str(inbound.channel), str(Bot.CLIENT), inbound.sender_id
                )
                state = await load_state(uow.conversations, state_key(inbound))
            client_id, stage = (contact.client_id if contact else None), state.stage
        return await prefetch(self.client_flow.nlu, self.client_flow.kb, text, client_id, stage)

    async def _prefetch_report(self, inbound: Inbound, now: datetime) -> PreparedReport | None:
        if inbound.payload or inbound.media or inbound.location is not None:
            return None
        command, args = split_command((inbound.text or "").strip())
        if command != "/report":
            return None
        if self.group_flow is not None and self.group_flow.group.is_group(inbound):
            return None  # the staff group's threads have no /report
        async with self.uow_factory() as uow:  # a short read: who asks, in which role
            staff = await find_staff(uow, inbound)
        if staff is None:
            return None
        return await self.staff_flow.reports.prepare(staff, args, now, staff.member.lang)

    async def _run(
        self,
        uow: DialogueUnitOfWork,
        inbound: Inbound,
        now: datetime,
        ready: Prefetched | PreparedReport | None = None,
    ) -> Turn:
        key = state_key(inbound)
        state = await load_state(uow.conversations, key)
        out = Outgoing(self.signer)
        lang = state.lang or (norm_lang(inbound.lang) if inbound.lang else self.default_lang)
        turn = Turn(inbound, uow, out, now, state, lang, ready)
        if inbound.channel is Channel.EMAIL and inbound.bot is Bot.CLIENT:
            turn.client_id = await self.email_flow.handle(turn)  # a mail is a whole request: no form
        elif inbound.bot is Bot.CLIENT:
            person = await resolve_client(uow, inbound, now)
            turn.client_id = person.contact.client_id
            turn.lang = state.lang or person.contact.lang or turn.lang
            known_lang = person.contact.lang
            action = self._verify(inbound, turn)
            if inbound.payload is None or action is not None:
                await self.client_flow.handle(turn, person, action)
            if person.contact.lang != known_lang:
                await uow.directory.update_contact(person.contact)
        else:
            staff = await resolve_staff(uow, inbound)
            if self.group_flow is not None and self.group_flow.group.is_group(inbound):
                await self.group_flow.handle(turn, staff)  # a ticket's thread in the staff group
            elif staff is None:
                await self.staff_flow.handle_unknown(turn)
            else:
                turn.lang = staff.member.lang
                action = self._verify(inbound, turn)
                if inbound.payload is None or action is not None:
                    await self.staff_flow.handle(turn, staff, action)
        return turn

    def _verify(self, inbound: Inbound, turn: Turn) -> Action | None:
        """The action of a pressed button: signed for this sender and bot, and one this version reads."""
        if inbound.payload is None:
            return None
        signed = self.signer.verify(str(inbound.bot), inbound.sender_id, inbound.payload)
        action = decode(signed) if signed is not None else None
        if action is None:
            log.warning("refused a button payload from %s:%s", inbound.channel, inbound.sender_id)
            turn.tell(
                "That button is out of date or not meant for you. Tell me what you need, or send /help."
            )
        return action

    async def _finish(self, uow: DialogueUnitOfWork, turn: Turn) -> None:
        await self.bus.dispatch(Reaction(uow, turn.out, turn.now))
        await save_state(uow.conversations, state_key(turn.inbound), turn.state, turn.now)
        await _queue(uow, turn.out.messages, turn.now, turn.inbound.dedup_key)

    async def _refuse(
        self,
        inbound: Inbound,
        now: datetime,
        error: DomainError | None,
        lang: str,
        then: Callable[[U], Awaitable[T]] | None = None,
    ) -> tuple[list[Outbound], T | None]:
        """Answer a refused message in a fresh transaction that changes nothing else (and runs `then`, as
        `turn` says).

        With `error` None the message could not be handled at all (a dead letter): the sender hears that a
        person will get back to them. A failure here is raised, so the inbox tries again.
        """
        async with self.uow_factory() as uow:
            if error is not None and not await uow.inbound.first_time(inbound.dedup_key, now):
                return [], None
            state = await load_state(uow.conversations, state_key(inbound))
            lang = await self._refusal_lang(uow, inbound, state) or lang
            ticket = await self._ticket_named(uow, str(error)) if error else None
            text = (
                explain(error, lang, ticket)
                if error
                else say(
                    lang,
                    "We could not process your message. It has been passed to a person, who will get back to you.",
                )
            )
            out = Outgoing(self.signer)
            out.to_chat(
                inbound.channel,
                inbound.bot,
                inbound.chat_id,
                inbound.sender_id,
                text,
                thread_id=inbound.thread_id,
            )
            await _queue(uow, out.messages, now, inbound.dedup_key)
            closed = await then(uow) if then is not None else None
            await uow.commit()
            return out.messages, closed

    async def tell_not_handled(self, inbound: Inbound) -> list[Outbound]:
        """Tell the sender of a message that kept failing (a dead letter) that a person will get back to them.

        Queued once per dead letter by the inbox; it changes nothing but the outbox.
        """
        lang = norm_lang(inbound.lang) if inbound.lang else self.default_lang
        return (await self._refuse(inbound, self.clock(), None, lang))[0]

    @staticmethod
    async def _refusal_lang(
        uow: DialogueUnitOfWork, inbound: Inbound, state: ConversationState
    ) -> str | None:
        """The language a turn would have spoken: as `_run` picks it, from the profile and the conversation."""
        if inbound.bot is Bot.STAFF:
            staff = await find_staff(uow, inbound)
            return staff.member.lang if staff is not None else state.lang
        if state.lang:
            return state.lang
        _, contact = await uow.accounts.find_with_contact(
            str(inbound.channel), str(Bot.CLIENT), inbound.sender_id
        )
        return contact.lang if contact is not None else None

    @staticmethod
    async def _ticket_named(uow: DialogueUnitOfWork, text: str) -> Ticket | None:
        match = REF.search(text)
        return await uow.tickets.get_by_number(int(match.group(1))) if match else None

    async def run_system(self, work: Callable[[U, datetime], Awaitable[Any]]) -> list[Outbound]:
        """Run system work (timers, expiries, digests) in a unit of work, its events on the bus, and the outbox.

        `work(uow, now)` changes things through use cases; it may also return an `Outgoing` whose messages
        are sent with the notifications, in the same transaction.
        """
        now = self.clock()
        async with self.uow_factory() as uow:
            result = await work(uow, now)
            out = result if isinstance(result, Outgoing) else Outgoing(self.signer)
            await self.bus.dispatch(Reaction(uow, out, now))
            await _queue(uow, out.messages, now)
            await uow.commit()
            return out.messages


async def _queue(
    uow: DialogueUnitOfWork, messages: list[Outbound], now: datetime, inbound_key: str | None = None
) -> None:
    """Write messages to the outbox in the caller's transaction, each naming the inbound that caused it."""
    rows = [OutboxMessage(str(m.channel), str(m.bot), m.chat_id, m.to_dict()) for m in messages]
    if rows:
        await uow.outbox.add_many(rows, now, inbound_key)
