"""The KB's answers in a client's chat: the article that answers alone or the list to choose from, the
"did it help?" buttons and what a press does (the verdict is learned), articles in another language."""

from __future__ import annotations

import logging
import secrets
from typing import Any, Protocol

from dialogue import client_intake as intake
from dialogue.cards import article_text, short
from dialogue.conversation import Stage
from dialogue.i18n import N_, say
from dialogue.identity import ClientPerson
from dialogue.payloads import KbChoose, KbHelped, KbNotHelped
from dialogue.prefetch import KB_RESULTS
from dialogue.turn import Turn
from dialogue.understanding import Understanding
from kb_search import learning
from kb_search.model import Article, Hit, KbError, Reader, SearchResult

log = logging.getLogger(__name__)

KB_ANSWER_CHARS = 1500
KB_CHOICES = 3


class KnowledgeSource(Protocol):
    """What the client flow needs from kb_search.KnowledgeBase."""

    async def search(self, query: str, reader: Reader, k: int = 5) -> SearchResult: ...

    async def get(self, article_id: str, reader: Reader) -> Article | None: ...


def new_kb_list(turn: Turn) -> str:
    """Tag the KB answer or list being shown: its buttons carry the tag, and only the latest tag is acted on."""
    tag = secrets.token_hex(3)
    turn.state.kb_list = tag
    return tag


def ask_helped(turn: Turn, tag: str) -> None:
    """Ask whether the article shown helped, with buttons tagged for this answer."""
    turn.reply(
        say(turn.lang, "Did this help?"),
        [
            [
                (say(turn.lang, "Helped"), KbHelped(tag).encode()),
                (say(turn.lang, "Did not help"), KbNotHelped(tag).encode()),
            ]
        ],
    )


def show_article(turn: Turn, title: str, body: str, *, other_language: str | None = None) -> None:
    """An article in the chat, its Markdown styled by each channel (bold, lists, links); one in another
    language than the reader's says so first."""
    text = say(turn.lang, "Here is what I found:\n\n{title}\n\n{body}", title=f"**{title}**", body=body)
    if other_language:
        text = (
            say(turn.lang, "The knowledge base has this only in {language}:", language=other_language)
            + "\n\n"
            + text
        )
    turn.reply(text, markdown=True)


LANGUAGE_NAMES = {"ru": N_("Russian"), "en": N_("English")}
"""An article's language as "The knowledge base has this only in {language}" names it (in Russian, the form
"на {language} языке" takes: "русском")."""


OWN_LANGUAGE_MARGIN = 0.9
"""An article in the reader's language scoring at least this share of a better one in another language is
offered beside it rather than that one answering alone."""


def reader_language_first(hits: list[Hit], lang: str) -> tuple[list[Hit], bool]:
    """Hits with those in the reader's language first among near-equals; and whether the top hit is in
    another language while one in the reader's language is close to it (then nothing answers alone)."""
    if not hits or hits[0].lang == lang:
        return hits, False
    top = hits[0].score
    close = [h for h in hits if h.lang == lang and h.score >= OWN_LANGUAGE_MARGIN * top]
    if not close:
        return hits, False
    rest = [h for h in hits if h not in close]
    return [*close, *rest], True


def in_reader_language(hits: list[Hit], lang: str) -> list[Hit]:
    """The hits a list offers: those in the reader's language when any fits, else the others (marked). A
    Russian reader was offered "Air conditioner is leaking water (EN)", the English twin of a listed article."""
    own = [h for h in hits if h.lang == lang]
    return own or hits


def other_language(turn: Turn, article_lang: str) -> str | None:
    if not article_lang or article_lang == turn.lang or article_lang not in LANGUAGE_NAMES:
        return None
    return say(turn.lang, LANGUAGE_NAMES[article_lang])


def choice_label(title: str, article_lang: str, lang: str) -> str:
    """A list entry; an article in another language is marked with its code ("(EN)")."""
    mark = f" ({article_lang.upper()})" if article_lang and article_lang != lang else ""
    return short(title, 60 - len(mark)) + mark


def _remember(turn: Turn, query: str, choices: list[str], meaning: Understanding, *, auto: bool) -> None:
    """Keep what the buttons under a KB answer or list act on."""
    state = turn.state
    state.stage, state.query, state.choices = Stage.KB, query, choices
    state.meaning, state.auto = dict(meaning.entities), auto


class KbReplies:
    """Answers a client's question from the KB and acts on the buttons under the answer or the list."""

    def __init__(self, kb: KnowledgeSource | None) -> None:
        self.kb = kb

    async def answer(
        self,
        turn: Turn,
        person: ClientPerson,
        text: str,
        meaning: Understanding,
        result: SearchResult | None = None,
    ) -> None:
        """Answer `text` with the article that answers alone, else a list to choose from, else the form."""
        if result is None and self.kb is not None:
            result = await self.kb.search(text, Reader.client(person.contact.client_id), k=KB_RESULTS)
        hits = list(result.hits) if result is not None else []
        common: dict[str, Any] = {
            "contact_id": person.contact.id,
            "channel": str(turn.inbound.channel),
            "query": text,
        }
        hits, own_language_close = reader_language_first(hits, turn.lang)
        if result is not None and result.confident and hits and not own_language_close:
            article = await self.kb.get(hits[0].article_id, Reader.client(person.contact.client_id))  # type: ignore[union-attr]
            if article is not None:
                body = article_text(article.body, KB_ANSWER_CHARS)
                show_article(turn, article.title, body, other_language=other_language(turn, article.lang))
                ask_helped(turn, new_kb_list(turn))
                _remember(turn, text, [article.id], meaning, auto=True)
                await turn.uow.interactions.add("kb_answer", turn.now, article_id=article.id, **common)
                return
        await turn.uow.interactions.add("kb_no_answer", turn.now, data={"hits": len(hits)}, **common)
        if hits:
            listed = in_reader_language(hits, turn.lang)[:KB_CHOICES]
            choices = [h.article_id for h in listed]
            tag = new_kb_list(turn)
            rows = [
                [(choice_label(h.title, h.lang, turn.lang), KbChoose(tag, i).encode())]
                for i, h in enumerate(listed)
            ]
            turn.reply(
                say(turn.lang, "One of these articles may help:"),
                [*rows, [(say(turn.lang, "None of these - open a request"), KbNotHelped(tag).encode())]],
            )
            _remember(turn, text, choices, meaning, auto=False)
            return
        turn.tell("I have no ready answer for that. Let me open a request for an engineer.")
        intake.start(turn, question=text, understanding=meaning)
        await intake.ask_next(turn, person)

    async def on_button(
        self, turn: Turn, person: ClientPerson, action: KbHelped | KbNotHelped | KbChoose
    ) -> None:
        """Act on Helped / Not helped / a chosen article under the latest answer or list; an older one's buttons
        are stale."""
        choices = turn.state.choices or []
        query = turn.state.query or ""
        common: dict[str, Any] = {
            "contact_id": person.contact.id,
            "channel": str(turn.inbound.channel),
            "query": query,
        }
        if action.tag != turn.state.kb_list:
            # A button of an earlier answer or list (a reload or a scroll up brings them back): acting on the
            # latest list instead would open, or credit, another article.
            turn.tell(
                "Those buttons belong to an earlier answer. Ask your question again and I will look once more."
            )
            return
        if isinstance(action, KbHelped) and choices:
            await turn.uow.interactions.add("kb_helped", turn.now, article_id=choices[0], **common)
            await self._learn(turn, person, choices[0], query, helped=True)
            turn.state.end_kb()
            turn.tell("Glad it helped! Write any time.")
        elif isinstance(action, KbNotHelped):
            await turn.uow.interactions.add(
                "kb_not_helped", turn.now, article_id=choices[0] if choices else None, **common
            )
            auto, turn.state.auto = turn.state.auto, False
            if choices and auto:
                await self._learn(turn, person, choices[0], query, helped=False)
            meaning = Understanding(entities=dict(turn.state.meaning or {}))
            intake.start(turn, question=query, understanding=meaning)
            await intake.ask_next(turn, person)
        elif isinstance(action, KbChoose) and action.index < len(choices):
            chosen = choices[action.index]
            article = await self.kb.get(chosen, Reader.client(person.contact.client_id)) if self.kb else None
            if article is None:
                turn.tell(
                    "That button is out of date or not meant for you. Tell me what you need, or send /help."
                )
                return
            show_article(
                turn,
                article.title,
                article_text(article.body, KB_ANSWER_CHARS),
                other_language=other_language(turn, article.lang),
            )
            ask_helped(turn, new_kb_list(turn))
            turn.state.choices = [chosen]
            await turn.uow.interactions.add("kb_answer", turn.now, article_id=chosen, **common)
        else:
            turn.tell(
                "That button is out of date or not meant for you. Tell me what you need, or send /help."
            )

    async def _learn(
        self, turn: Turn, person: ClientPerson, article_id: str, query: str, helped: bool
    ) -> None:
        """Keep the client's verdict on the article for their question (kb_search.learning), in this turn.

        Only an article the client may read counts; a refused pairing leaves the turn as it was.
        """
        reader = Reader.client(person.contact.client_id)
        article = await self.kb.get(article_id, reader) if self.kb is not None else None
        if article is None or not query.strip():
            return
        verdict = learning.client_helped if helped else learning.client_not_helped
        try:
            await verdict(turn.uow.phrasings, article, query, reader, person.contact.id, turn.now)
        except KbError as error:
            log.warning("a client's verdict on %s was not kept: %s", article_id, error)
