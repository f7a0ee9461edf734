"""A client's mail: a reply goes to its ticket, a new mail gets the KB answer when it is sure, else a ticket.

A mail is a whole request at once (subject, words, attachments), so there is no form to walk through and no
conversation state: the ticket is opened from what the mail says and the answer names its number. Which
ticket a reply is about comes from the thread of ours it answers (`Inbound.thread_id`, "hd-1042", read from
In-Reply-To / References by bots.email) or from "HD-1042" in its subject; a reply to a KB answer ("kb") means
the answer did not help, so it opens a ticket. Automatic mail (auto-replies, bounces) never reaches here: the
adapter drops it (bots.email.safety).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from dialogue.cards import article_text
from dialogue.i18n import N_, say
from dialogue.identity import ClientPerson, resolve_client
from dialogue.kb_replies import KB_ANSWER_CHARS, KnowledgeSource, reader_language_first
from dialogue.messages import Bot, Inbound
from dialogue.prefetch import KB_RESULTS, Prefetched
from dialogue.texts import CATEGORIES, PRIORITIES, SUPPORTED
from dialogue.turn import Turn
from dialogue.understanding import Parser, Understanding, ticket_number, understand
from kb_search.model import Reader
from ticket_core import usecases as uc
from ticket_core.enums import OPEN_STATUSES, Priority, TicketStatus, Visibility
from ticket_core.model import Actor, Attachment, Contact, Ticket
from ticket_core.usecases import sla as sla_uc
from ticket_core.usecases.contacts import set_mail_notifications

log = logging.getLogger(__name__)

THREAD = re.compile(r"^hd-(\d{1,12})$")
SCORE = re.compile(r"^\s*([1-5])(?:\s*/\s*5)?(?![\d.,])[\s.,!:;-]*(.*)$", re.S)
"""A reply to the rating request: a score 1-5 first ("5", "4/5", "5 - thanks!"), then an optional comment."""
KB_THREAD = "kb"
MAX_DESCRIPTION = 4000
SUBJECT_CHARS = 120
ATTACHABLE = frozenset({"photo", "video", "document"})


def mail_query(inbound: Inbound) -> str:
    """What a new mail asks, for NLU and the KB: its subject and its words (the prefetch reads the same)."""
    return "\n".join(part for part in (inbound.subject, inbound.text) if part).strip()


def own_subject(subject: str | None) -> str | None:
    """A reply's subject without the words we put before the client's subject ("Answer to your question: ")."""
    if not subject:
        return subject
    for lang in SUPPORTED:
        prefix = say(lang, "Answer to your question: {subject}", subject="")
        if subject.startswith(prefix):
            return subject[len(prefix) :].strip() or None
    return subject


UNSUBSCRIBE_WORDS = frozenset({"unsubscribe", "отписаться", "отписка"})


def unsubscribing(inbound: Inbound) -> bool:
    """Whether a mail asks to stop notifications: its subject is "unsubscribe" (what our List-Unsubscribe
    mailto puts there) or "отписаться", and it says nothing more than that."""
    words = (own_subject(inbound.subject) or "").strip().strip(".!").lower()
    body = (inbound.text or "").strip().strip(".!").lower()
    return words in UNSUBSCRIBE_WORDS and (not body or body in UNSUBSCRIBE_WORDS)


def thread_ticket(inbound: Inbound) -> int | None:
    """The number of the ticket a mail continues: its thread of ours, else "HD-1042" in its subject."""
    match = THREAD.match(inbound.thread_id or "")
    if match:
        return int(match.group(1))
    return ticket_number(inbound.subject or "") if inbound.subject else None


class EmailFlow:
    """Handles every mail a person sends to the support address."""

    def __init__(
        self,
        kb: KnowledgeSource | None,
        nlu: Parser | None,
        reopen_window: timedelta = timedelta(days=7),
        *,
        open_unknown: bool = True,
    ) -> None:
        self.kb = kb
        self.nlu = nlu
        self.reopen_window = reopen_window
        self.open_unknown = open_unknown

    async def handle(self, turn: Turn) -> str | None:
        """Answer one mail; return the writer's client id (None when an unknown sender was turned away)."""
        inbound = turn.inbound
        _, known = await turn.uow.accounts.find_with_contact(
            str(inbound.channel), str(Bot.CLIENT), inbound.sender_id
        )
        if known is None and not self.open_unknown:
            known = await turn.uow.directory.find_contact_by_email(inbound.sender_id)  # known, not yet linked
        if known is None and not self.open_unknown:
            self._answer(
                turn,
                say(
                    turn.lang,
                    "Hello! We take requests by email only from our clients' addresses, and {address} is not one we "
                    "know. Ask your organisation's administrator to add it, or write to our chat bot.",
                    address=inbound.sender_id,
                ),
                None,
            )
            return None
        person = await resolve_client(turn.uow, inbound, turn.now)
        turn.lang = person.contact.lang or turn.lang
        attachments = tuple(
            Attachment(m.kind, m.file_id, str(inbound.channel), m.caption)
            for m in inbound.media
            if m.kind in ATTACHABLE
        )
        number = thread_ticket(inbound)
        if number is None and unsubscribing(inbound):
            # The mailto of our List-Unsubscribe (RFC 2369): the sender's notifications by mail stop.
            await set_mail_notifications(
                turn.uow, person.actor, inbound.sender_id, turn.now, on=False, via="mail"
            )
            self._answer(
                turn,
                say(
                    turn.lang,
                    "Done: notifications about requests no longer go to {address}. Answers to your own mails still do. "
                    "You can turn them on again in the client portal (the Mail page).",
                    address=inbound.sender_id.lower(),
                ),
                None,
            )
            return person.contact.client_id
        if number is not None:
            ticket = await uc.get_ticket_by_number(turn.uow, person.actor, number)
            if await self._follow_up(turn, person.actor, ticket, attachments):
                return person.contact.client_id
        query = mail_query(inbound)
        if not query and not attachments:
            self._answer(
                turn,
                say(
                    turn.lang,
                    "Hello! Your mail arrived empty: please describe the problem in the mail's text.",
                ),
                None,
            )
            return person.contact.client_id
        meaning, ready = await self._understand(turn, query, person.contact.client_id)
        if inbound.thread_id != KB_THREAD and await self._kb_answer(turn, person.contact, query, ready):
            return person.contact.client_id
        await self._open(turn, person, meaning, attachments)
        return person.contact.client_id

    async def _follow_up(
        self, turn: Turn, actor: Actor, ticket: Ticket, attachments: tuple[Attachment, ...]
    ) -> bool:
        """A reply about `ticket`: a comment while it is open, a reopen once resolved; False when it is over."""
        text = (turn.inbound.text or "").strip()
        if ticket.status in OPEN_STATUSES:
            if text or attachments:
                await uc.add_comment(
                    turn.uow, actor, ticket.id, turn.now, text, Visibility.PUBLIC, attachments
                )
            return True
        score = SCORE.match(text)
        if score and ticket.rating is None and ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            # The answer to "rate the work from 1 to 5" (a mail has no buttons): the score, then a comment.
            comment = score.group(2).strip()[:1000] or None
            await uc.rate_ticket(turn.uow, actor, ticket.id, turn.now, int(score.group(1)), comment)
            self._answer(
                turn,
                say(
                    turn.lang,
                    "Thank you for rating {score}! {ref} is closed.",
                    score=score.group(1),
                    ref=ticket.ref,
                ),
                f"hd-{ticket.number}",
            )
            return True
        if ticket.status is TicketStatus.RESOLVED:  # "not fixed", or anything else: it goes back to work
            await uc.reopen_ticket(turn.uow, actor, ticket.id, turn.now, text or None, self.reopen_window)
            return True
        return False  # closed or cancelled: the mail is a new request

    async def _understand(
        self, turn: Turn, query: str, client_id: str
    ) -> tuple[Understanding, Prefetched | None]:
        ready = turn.prefetched
        if isinstance(ready, Prefetched) and ready.fits(query, client_id):
            return ready.meaning, ready
        return await understand(self.nlu, query), None

    async def _kb_answer(self, turn: Turn, contact: Contact, query: str, ready: Prefetched | None) -> bool:
        """Answer with the one article the KB is sure of; False when it is not sure."""
        if self.kb is None or not query:
            return False
        reader = Reader.client(contact.client_id)
        result = ready.kb_result if ready is not None else None
        if result is None:
            result = await self.kb.search(query, reader, k=KB_RESULTS)
        hits, own_language_close = reader_language_first(list(result.hits), turn.lang)
        common: dict[str, Any] = {
            "contact_id": contact.id,
            "channel": str(turn.inbound.channel),
            "query": query,
        }
        if not (result is not None and result.confident and hits and not own_language_close):
            await turn.uow.interactions.add("kb_no_answer", turn.now, data={"hits": len(hits)}, **common)
            return False
        article = await self.kb.get(hits[0].article_id, reader)
        if article is None:
            return False
        body = article_text(article.body, KB_ANSWER_CHARS)
        self._answer(
            turn,
            say(
                turn.lang,
                "Hello! Here is the answer from our knowledge base:\n\n{title}\n\n{body}\n\nIf this does not solve it, "
                "just reply to this mail and we will open a request for an engineer.",
                title=article.title,
                body=body,
            ),
            KB_THREAD,
            subject=say(turn.lang, "Answer to your question: {subject}", subject=self._subject(turn)),
        )
        await turn.uow.interactions.add("kb_answer", turn.now, article_id=article.id, **common)
        return True

    async def _open(
        self, turn: Turn, person: ClientPerson, meaning: Understanding, attachments: tuple[Attachment, ...]
    ) -> None:
        inbound = turn.inbound
        subject = own_subject(inbound.subject)
        description = "\n\n".join(p for p in (subject, inbound.text) if p)[:MAX_DESCRIPTION]
        sites = await turn.uow.directory.list_sites(person.contact.client_id)
        category = meaning.category() or "other"
        priority = meaning.priority() or str(Priority.P3)
        ticket = await uc.open_ticket(
            turn.uow,
            person.actor,
            uc.TicketDraft(
                client_id=person.contact.client_id,
                contact_id=person.contact.id,
                category=category if category in CATEGORIES else "other",
                description=description or (attachments[0].caption or "—" if attachments else "—"),
                priority=Priority(priority if priority in PRIORITIES else Priority.P3),
                site_id=sites[0].id if len(sites) == 1 else None,
                attachments=list(attachments),
                source_channel=str(inbound.channel),
            ),
            turn.now,
        )
        when = await sla_uc.sla_promise(turn.uow, ticket, turn.now, turn.lang)
        contract = await turn.uow.directory.get_contract(ticket.client_id) if when else None
        promise = (
            say(
                turn.lang,
                N_("\nPromised resolution: {when}.")
                if contract is not None
                else N_("\nWe aim to resolve it {when}."),
                when=when,
            )
            if when
            else ""
        )
        self._answer(
            turn,
            say(
                turn.lang,
                "Hello! Request {ref} is open. We will tell you when an engineer takes it.{promise}\n\n"
                "To add to the request, reply to this mail (keep {ref} in the subject).",
                ref=ticket.ref,
                promise=promise,
            ),
            f"hd-{ticket.number}",
            subject=say(turn.lang, "Request {ref}: {subject}", ref=ticket.ref, subject=self._subject(turn)),
        )

    @staticmethod
    def _subject(turn: Turn) -> str:
        subject = own_subject(turn.inbound.subject) or (turn.inbound.text or "").strip().split("\n", 1)[0]
        return subject[:SUBJECT_CHARS] or "—"

    @staticmethod
    def _answer(turn: Turn, text: str, thread: str | None, *, subject: str | None = None) -> None:
        """Answer the mail in `thread` (its Message-ID names the thread), as a reply to the mail itself."""
        i = turn.inbound
        turn.out.to_chat(
            i.channel,
            i.bot,
            i.chat_id,
            i.sender_id,
            text,
            thread_id=thread,
            reply_to=i.reply_to,
            thread_title=subject,
            lang=turn.lang,
        )
