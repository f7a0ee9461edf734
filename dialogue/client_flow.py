"""The client's side of the conversation: answer from the KB first, then intake, tickets, rating."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from dialogue import billing_holds, client_commands, client_tickets, equipment_scan
from dialogue import client_intake as intake
from dialogue.client_language import choose_language, set_language
from dialogue.conversation import Stage, Step
from dialogue.i18n import N_, say
from dialogue.identity import ClientPerson, share_phone
from dialogue.kb_replies import (
    KbReplies,
    KnowledgeSource,
)
from dialogue.messages import MAX_TEXT_CHARS
from dialogue.payloads import (
    Action,
    CancelAnswer,
    CancelAsk,
    EstimateAnswer,
    IntakeAction,
    KbChoose,
    KbHelped,
    KbNotHelped,
    Language,
    NewQuestion,
    NotFixed,
    Rate,
    ShowTicket,
    SkipRatingComment,
    TalkToPerson,
)
from dialogue.portal_link import PortalLinkPolicy
from dialogue.prefetch import KB_RESULTS, Prefetched
from dialogue.request_words import reads_as_recurrence, reads_as_request
from dialogue.too_long import refused_as_too_long
from dialogue.turn import Turn
from dialogue.understanding import Parser, Understanding, understand
from kb_search.model import Reader
from ticket_core import usecases as uc
from ticket_core.enums import OPEN_STATUSES, TicketStatus, Visibility
from ticket_core.model import Attachment, Ticket, format_ref

log = logging.getLogger(__name__)

ATTACHABLE = frozenset({"photo", "video", "document"})
SMALL_TALK = {
    "greet": N_("Hello! How can I help?"),
    "thank": N_("You are welcome!"),
    "goodbye": N_("Goodbye!"),
}
SMALL_TALK_MAX_WORDS = 4
NEW_REQUEST_INTENTS = frozenset(
    {
        "ask_question",
        "report_problem",
        "check_status",
        "cancel_ticket",
        "talk_to_human",
        "reopen_ticket",
        "change_language",
    }
)
"""Intents that start something new even while the bot waits for a rating comment."""
ENGINEER_TALK_WINDOW = timedelta(hours=4)
"""How long after an engineer wrote to a client on a job in work the client's typed messages go to them."""
IN_WORK = (TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS, TicketStatus.ON_HOLD)
RATING_COMMENT_WINDOW = timedelta(minutes=30)
"""How long after a rating a plain text is taken as its comment."""


class ClientFlow:
    """Handles every message a client sends to the client bot."""

    def __init__(
        self,
        kb: KnowledgeSource | None,
        nlu: Parser | None,
        reopen_window: timedelta = timedelta(days=7),
        portal_links: PortalLinkPolicy | None = None,
    ) -> None:
        self.portal_links = portal_links  # `/portal`: a sign-in link (None: no PORTAL_URL / PUBLIC_URL)
        self.kb = kb
        self.kb_replies = KbReplies(kb)
        self.nlu = nlu
        self.reopen_window = reopen_window

    async def handle(self, turn: Turn, person: ClientPerson, action: Action | None) -> None:
        """Route one inbound message: a button action, a command, media, or free text."""
        inbound = turn.inbound
        if action is not None:
            await self._button(turn, person, action)
            return
        if inbound.media:
            await self._media(turn, person)
            return
        if inbound.location is not None:
            if turn.state.stage is Stage.INTAKE:
                await intake.on_location(turn, person, inbound.location.lat, inbound.location.lon)
            else:
                draft = intake.start(turn)
                draft.lat, draft.lon = inbound.location.lat, inbound.location.lon
                await intake.ask_next(turn, person)
            return
        if inbound.contact is not None:
            await self._shared_contact(turn, person)
            return
        text = (inbound.text or "").strip()
        if not text:
            turn.tell(
                "I understand text, photos, documents, locations and contacts. Please describe the problem in words."
            )
            return
        if refused_as_too_long(turn, text):
            return
        if (code := equipment_scan.sticker_code(text)) is not None:
            await equipment_scan.scan(turn, person, code)  # a scanned sticker, even inside /start
            return
        if text.startswith("/"):
            await client_commands.on_command(turn, person, text, self.portal_links)
            return
        stage = turn.state.stage
        if stage is Stage.RELAY:
            await self._relay(turn, person, text)
        elif stage is Stage.INTAKE:
            # The description may name the equipment or the urgency: the form then skips those questions.
            describing = turn.state.step is Step.DESCRIPTION
            meaning = (await self._understand(turn, person, text))[0] if describing else None
            await intake.on_text(turn, person, text, meaning)
        elif stage is Stage.RATING_COMMENT:
            if await self._is_new_request(turn, person, text):
                turn.state.end_stage()
                await self._free_text(turn, person, text)
            else:
                await self._rating_comment(turn, person, text)
        elif stage is Stage.REOPEN:
            await self._reopen(turn, person, text)
        else:
            await self._free_text(turn, person, text)

    # --- free text: understand, then answer from the KB
    async def _understand(
        self, turn: Turn, person: ClientPerson, text: str
    ) -> tuple[Understanding, Prefetched | None]:
        """What NLU makes of the text: the prefetched result when it was made for it, else a parse now."""
        ready = turn.prefetched
        if isinstance(ready, Prefetched) and ready.fits(text, person.contact.client_id):
            return ready.meaning, ready
        return await understand(self.nlu, text), None

    async def _free_text(self, turn: Turn, person: ClientPerson, text: str) -> None:
        meaning, ready = await self._understand(turn, person, text)
        intent = meaning.intent
        if intent in SMALL_TALK and len(text.split()) <= SMALL_TALK_MAX_WORDS:
            turn.tell(SMALL_TALK[intent])
            return
        if intent == "check_status":
            await client_tickets.status(turn, person, meaning.entities.get("ticket_number"))
            return
        if intent == "cancel_ticket" and meaning.entities.get("ticket_number"):
            await client_tickets.ask_cancel(turn, person, meaning.entities["ticket_number"])
            return
        if intent == "change_language":
            choose_language(turn)
            return
        if intent == "talk_to_human":
            await client_commands.start_relay(turn, person, meaning.entities.get("ticket_number"))
            return
        back = intent == "reopen_ticket" or (intent == "nlu_fallback" and reads_as_recurrence(text))
        if back and not turn.state.new_question:
            ref = meaning.entities.get("ticket_number")
            if await client_tickets.offer_reopen(turn, person, text, ref, self.reopen_window):
                return
        new_question, turn.state.new_question = turn.state.new_question, False
        if not new_question:
            in_talk = await self._engineer_is_talking(turn, person)
            if in_talk is not None:
                await self._pass_to_engineer(turn, person, in_talk, text)
                return
        turn.state.forget_passed()  # the chat moved on: its "new question" button is old, and a reopen offered
        await self.kb_replies.answer(turn, person, text, meaning, ready.kb_result if ready else None)

    async def _engineer_is_talking(self, turn: Turn, person: ClientPerson) -> Ticket | None:
        """This client's job in work whose engineer wrote to them in the last hours (and after any /bot): a
        typed message is then their answer, not a new question for the KB."""
        client_id = person.contact.client_id
        if not client_id:
            return None
        since = turn.now - ENGINEER_TALK_WINDOW
        if turn.state.bot_since is not None:
            since = max(since, turn.state.bot_since)
        for ticket in await turn.uow.tickets.list_for_client(client_id, IN_WORK, limit=5):
            if ticket.contact_id != person.contact.id or not ticket.assignee_id:
                continue
            said = await turn.uow.comments.list_for_ticket(ticket.id, include_internal=False)
            engineer_said = [c for c in said if c.author.id == ticket.assignee_id]
            if engineer_said and engineer_said[-1].created_at > since:
                return ticket  # the engineer wrote lately: the client's messages (one or several) answer
        return None

    async def _pass_to_engineer(self, turn: Turn, person: ClientPerson, ticket: Ticket, text: str) -> None:
        await uc.add_comment(turn.uow, person.actor, ticket.id, turn.now, text)
        member = await turn.uow.directory.get_staff(ticket.assignee_id) if ticket.assignee_id else None
        tag = secrets.token_hex(3)
        turn.state.last_passed, turn.state.last_passed_tag = text[:MAX_TEXT_CHARS], tag
        turn.reply(
            say(
                turn.lang,
                "Sent to engineer {name} on {ref}.",
                ref=ticket.ref,
                name=member.name if member else "",
            ),
            [[(say(turn.lang, "This is a new question"), NewQuestion(tag).encode())]],
        )

    # --- buttons
    async def _button(self, turn: Turn, person: ClientPerson, action: Action) -> None:
        match action:
            case IntakeAction():
                await intake.on_button(turn, person, action)
            case KbHelped() | KbNotHelped() | KbChoose():
                await self.kb_replies.on_button(turn, person, action)
            case Rate(number=number, score=score):
                await self._rate(turn, person, number, score)
            case NewQuestion(tag=tag):
                # "That was a new question": what was just passed to the engineer goes to the KB instead.
                # Only the button under the latest pass acts; an older one is out of date.
                text = turn.state.last_passed if tag == turn.state.last_passed_tag else None
                if not text:
                    turn.tell(
                        "Those buttons belong to an earlier answer. Ask your question again and I will look once more."
                    )
                    return
                turn.state.forget_passed()
                turn.state.new_question = True
                await self._free_text(turn, person, text)
                turn.state.new_question = False
            case SkipRatingComment():
                if turn.state.stage is Stage.RATING_COMMENT:
                    turn.state.end_stage()
                turn.tell("All right. Write any time you need help.")
            case NotFixed(number=number):
                # Offered after "it leaks again": those words are the reason, not asked for twice.
                offered, reason = turn.state.reopen_for == number, turn.state.reopen_reason
                turn.state.reopen_for = turn.state.reopen_reason = None
                turn.state.stage, turn.state.ticket = Stage.REOPEN, number
                if offered and reason:
                    await self._reopen(turn, person, reason)
                else:
                    turn.tell(
                        "Tell me what is still wrong and I will send {ref} back to an engineer.",
                        ref=format_ref(number),
                    )
            case CancelAsk() | CancelAnswer():
                await client_tickets.cancel_button(turn, person, action)
            case Language(lang=lang):
                set_language(turn, person, lang)
            case TalkToPerson(number=number):
                await client_commands.start_relay(turn, person, str(number))
            case ShowTicket(number=number):
                await client_tickets.status(turn, person, str(number))
            case EstimateAnswer():
                await billing_holds.on_estimate_button(turn, person, action)
            case _:
                turn.tell(
                    "That button is out of date or not meant for you. Tell me what you need, or send /help."
                )

    async def _rate(self, turn: Turn, person: ClientPerson, number: int, score: int) -> None:
        ticket = await uc.get_ticket_by_number(turn.uow, person.actor, number)
        await uc.rate_ticket(turn.uow, person.actor, ticket.id, turn.now, score)
        turn.state.stage, turn.state.ticket, turn.state.rated_at = (
            Stage.RATING_COMMENT,
            ticket.number,
            turn.now,
        )
        skip = SkipRatingComment(ticket.number).encode()
        turn.reply(
            say(
                turn.lang, "Thank you for rating {score}! You may add a comment in one message.", score=score
            ),
            [[(say(turn.lang, "No comment"), skip)]],
        )

    async def _is_new_request(self, turn: Turn, person: ClientPerson, text: str) -> bool:
        """Whether a text sent while a rating comment is awaited starts something new instead.

        A comment prompt must not swallow a question: a text that reads as a request (a question, a
        problem, a status check...) or that comes long after the rating is handled as any other message.
        """
        rated_at = turn.state.rated_at
        if rated_at is None or turn.now - rated_at > RATING_COMMENT_WINDOW:
            return True
        meaning, ready = await self._understand(turn, person, text)
        if meaning.intent in NEW_REQUEST_INTENTS:
            return True
        if meaning.intent != "nlu_fallback":  # the model read it, as thanks or small talk: a comment
            return False
        # No model, or the model is unsure: the words decide, then whether the KB knows the answer well.
        if reads_as_request(text):
            return True
        result = ready.kb_result if ready else None
        if result is None and self.kb is not None:
            result = await self.kb.search(text, Reader.client(person.contact.client_id), k=KB_RESULTS)
        return bool(result is not None and result.confident)

    async def _rating_comment(self, turn: Turn, person: ClientPerson, text: str) -> None:
        number = turn.state.ticket
        turn.state.end_stage()
        if number is None:
            await self._free_text(turn, person, text)
            return
        ticket = await uc.get_ticket_by_number(turn.uow, person.actor, number)
        await uc.add_rating_comment(turn.uow, person.actor, ticket.id, turn.now, text)
        # Words can be wrong both ways: the client can still send it on as a new question.
        tag = secrets.token_hex(3)
        turn.state.last_passed, turn.state.last_passed_tag = text[:MAX_TEXT_CHARS], tag
        turn.reply(
            say(turn.lang, "Thank you, your comment is saved."),
            [[(say(turn.lang, "This is a new question"), NewQuestion(tag).encode())]],
        )

    async def _reopen(self, turn: Turn, person: ClientPerson, text: str) -> None:
        number = turn.state.ticket
        turn.state.end_stage()
        if number is None:
            await self._free_text(turn, person, text)
            return
        ticket = await uc.get_ticket_by_number(turn.uow, person.actor, number)
        await uc.reopen_ticket(turn.uow, person.actor, ticket.id, turn.now, text, self.reopen_window)
        turn.tell("Request {ref} is open again.", ref=ticket.ref)

    # --- talking to a person: the client's messages become public comments the engineer gets
    async def _relay(self, turn: Turn, person: ClientPerson, text: str) -> None:
        number = turn.state.ticket
        ticket = await uc.get_ticket_by_number(turn.uow, person.actor, number) if number else None
        if ticket is None or ticket.status not in OPEN_STATUSES:
            turn.state.end_stage()
            if ticket is None:
                await self._free_text(turn, person, text)
                return
            turn.tell("{ref} is closed now; the bot is answering.", ref=ticket.ref)
            await self._free_text(turn, person, text)
            return
        await uc.add_comment(turn.uow, person.actor, ticket.id, turn.now, text)

    async def _shared_contact(self, turn: Turn, person: ClientPerson) -> None:
        shared = await share_phone(turn.uow, turn.inbound, person)
        if shared is None:
            turn.tell("Please share your own number with the Share phone number button.")
            return
        known, joined = shared
        if joined:
            client = await turn.uow.directory.get_client(known.contact.client_id)
            turn.tell(
                "I know you: {name}, {client}. Your requests are here now.",
                name=known.contact.name,
                client=client.name if client else "",
            )
        else:
            turn.tell("Thank you, your number is saved.")

    # --- media: photos go to the form, or to the one open ticket
    async def _media(self, turn: Turn, person: ClientPerson) -> None:
        attachments = [
            Attachment(m.kind, m.file_id, str(turn.inbound.channel), m.caption)
            for m in turn.inbound.media
            if m.kind in ATTACHABLE
        ]
        if not attachments:  # voice notes, stickers, audio: nothing a ticket or an engineer can use
            turn.tell(
                "I understand text, photos, documents, locations and contacts. Please describe the problem in words."
            )
            return
        if turn.state.stage is Stage.INTAKE:
            for a in attachments:
                intake.on_photo(turn, a)
            return
        target = None
        if turn.state.stage is Stage.RELAY and turn.state.ticket is not None:
            target = await uc.get_ticket_by_number(turn.uow, person.actor, turn.state.ticket)
        else:
            open_tickets = await uc.list_my_tickets(turn.uow, person.actor, open_only=True)
            target = open_tickets[0] if len(open_tickets) == 1 else None
        if target is not None:
            caption = turn.inbound.text or ""
            await uc.add_comment(
                turn.uow, person.actor, target.id, turn.now, caption, Visibility.PUBLIC, tuple(attachments)
            )
            if turn.state.stage is not Stage.RELAY:
                turn.tell("Photo added to the request.")
            return
        intake.start(turn, question=turn.inbound.text or "")
        for a in attachments:
            intake.on_photo(turn, a)
        await intake.ask_next(turn, person)

    # --- commands
