"""An engineer links KB articles to a job's question: a suggested article's button, or `kb:ID` in the note.

When the engineer presses Done (the note question) or the job card's KB button, the bot searches the KB for
the ticket's description as staff and offers the best few articles the engineer may link as buttons
(`suggestion_rows`); one press links one (`on_link_press`). A `kb:ID` typed in the resolution note links
too, when the job is resolved. Either way the article is kept as a confirmed answer to the client's own
question (`kb_search.learning.engineer_linked`), under the client's audience rules: another client's article
is refused and the engineer is told why; an internal article keeps the question for staff only. The link
commits with the turn that made it.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

from dialogue import kb_topics
from dialogue.cards import short
from dialogue.i18n import say
from dialogue.outgoing import ButtonSpec
from dialogue.payloads import KbLink
from dialogue.texts import category_name
from dialogue.turn import Turn
from kb_search import learning
from kb_search.model import INTERNAL, Article, KbError, Reader, SearchResult
from ticket_core.model import Ticket

log = logging.getLogger(__name__)

LINK = re.compile(r"(?<![\w:])kb:([A-Za-z0-9][A-Za-z0-9_.:-]{0,63})")


def without_links(text: str) -> str:
    """The note as the client reads it: the `kb:ID` links (meant for the KB) left out, and the brackets and
    spaces they leave behind tidied."""
    text = LINK.sub("", text)
    text = re.sub(r"\(\s*[,;]?\s*\)", "", text)
    text = re.sub(r"[ \t]+([,.;:!?])", r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return "\n".join(line.strip(" ,;") for line in text.splitlines()).strip()


MAX_LINKS = 5
SUGGESTED = 3
"""Articles offered to link: enough to hold the right one most of the time, few enough to read at a glance."""
SEARCHED = 20
"""Hits read to find them: other clients' private articles, articles about other categories and ids too long
for a button are passed over."""
RELATIVE_FLOOR = 0.5
"""A hit scoring under this share of the best one that fits is not offered: one shared word ("застрял") is no
answer."""


class ArticleSource(Protocol):
    """What linking needs from kb_search.KnowledgeBase."""

    async def get(self, article_id: str, reader: Reader) -> Article | None: ...

    async def search(self, query: str, reader: Reader, k: int = 5) -> SearchResult: ...


def linked_ids(note: str) -> list[str]:
    """Article ids named as `kb:ID` in a note, in order, each once (at most `MAX_LINKS`)."""
    found = [m.rstrip(".,;:)-") for m in LINK.findall(note or "")]
    return list(dict.fromkeys(f for f in found if f))[:MAX_LINKS]


async def suggestions(kb: ArticleSource | None, ticket: Ticket) -> list[Article]:
    """The best few articles for the ticket's question that the engineer may link to it, best first."""
    return (await _suggest(kb, ticket))[0]


async def _suggest(kb: ArticleSource | None, ticket: Ticket) -> tuple[list[Article], bool]:
    """The best few articles for the job, and whether articles about other categories were passed over.

    Searched as staff, so internal articles (procedures for engineers) come up too; another client's private
    articles never do. Staff searches are not logged as gaps. Only articles that fit the job's category come
    up (`dialogue.kb_topics`: about it, or general): a leaking tap is not answered by the air conditioner's
    leak article however many words they share. The relevance floor is set by the best article that fits. A
    general article comes up only beside one about the job's category, or when the search is confident.
    """
    question = (ticket.description or "").strip()
    if kb is None or not question:
        return [], False
    result = await kb.search(question, Reader.staff(), k=SEARCHED)
    found: list[Article] = []
    on_topic = not kb_topics.known(ticket.category)  # a job of no known category: every article is on topic
    passed_over = False
    floor: float | None = None
    for hit in result.hits:
        if floor is not None and hit.score < floor:
            break
        article = await kb.get(hit.article_id, Reader.staff())
        if not (
            isinstance(article, Article)
            and learning.engineer_may_link(article, ticket.client_id)
            and KbLink(ticket.number, article.id).fits()
        ):
            continue
        if not kb_topics.fits(article, ticket.category):
            passed_over = True
            continue
        floor = RELATIVE_FLOOR * hit.score if floor is None else floor
        found.append(article)
        on_topic = on_topic or bool(kb_topics.article_topics(article))
        if len(found) >= SUGGESTED and on_topic:
            break
    if not (on_topic or result.confident):
        # Only general articles, none the search is sure of: a weak match that no category vouches for is
        # noise (#18: a heating job's "очень срочно, люди мёрзнут" was offered "Вывоз мусора", "Застряли в
        # лифте", "Изменить договор"). Nothing is offered rather than that.
        return [], passed_over
    return found[:SUGGESTED], passed_over


def suggestion_rows(ticket: Ticket, articles: list[Article]) -> list[list[ButtonSpec]]:
    """One button per suggested article: its title (🔒 for staff-only ones); a press links it to the job."""
    return [
        [
            (
                f"{'🔒' if a.audience == INTERNAL else '📖'} {short(a.title, 56)}",
                KbLink(ticket.number, a.id).encode(),
            )
        ]
        for a in articles
    ]


async def ask_note(turn: Turn, kb: ArticleSource | None, ticket: Ticket, hint: str = "") -> None:
    """The note question of Done (with `hint` under it), and under that the articles the engineer may link
    with one press; nothing more when none matched (the question already says how to name one as kb:ID)."""
    text = (
        say(
            turn.lang,
            "Describe what you did on {ref} (one message). If a KB article answers it, add kb:ID of the article.",
            ref=ticket.ref,
        )
        + hint
    )
    articles, passed_over = await _suggest(kb, ticket)
    if not articles:
        if passed_over:  # say so, rather than offer articles about other equipment
            text += "\n\n" + _none_about(turn.lang, ticket)
        turn.reply(text)
        return
    note = say(
        turn.lang,
        "Or press an article below if it answers the client's question: the question becomes a confirmed "
        "phrasing of that article.",
    )
    turn.reply(f"{text}\n\n{note}", suggestion_rows(ticket, articles))


async def show_suggestions(turn: Turn, kb: ArticleSource | None, ticket: Ticket) -> None:
    """The job card's KB button: the suggested articles as a message of their own, or why there are none."""
    articles, passed_over = await _suggest(kb, ticket)
    if not articles:
        if passed_over:
            turn.reply(
                _none_about(turn.lang, ticket)
                + " "
                + say(turn.lang, "If one answers it, name it as kb:ID in your note when you finish the job.")
            )
            return
        turn.tell(
            "No KB article matched the question on {ref}. If one answers it, name it as kb:ID in your note when you "
            "finish the job.",
            ref=ticket.ref,
        )
        return
    question = short(ticket.description, 160)
    turn.tell(
        "KB articles for the question on {ref}: “{question}”. Press the one that answers it.",
        suggestion_rows(ticket, articles),
        ref=ticket.ref,
        question=question,
    )


def _none_about(lang: str, ticket: Ticket) -> str:
    """Why nothing is suggested although the search found articles: they are about other categories."""
    return say(
        lang,
        "No KB article in the category “{category}” matched the question on {ref}; articles of other categories "
        "were left out.",
        category=category_name(lang, ticket.category),
        ref=ticket.ref,
    )


async def on_link_press(
    turn: Turn, kb: ArticleSource | None, ticket: Ticket, staff_id: str, article_id: str
) -> None:
    """A suggested article's button: link it to the job's question (the caller checked the job is theirs)."""
    article = await kb.get(article_id, Reader.staff()) if kb is not None else None
    if not isinstance(article, Article):
        turn.tell("There is no published article {id}; nothing was linked.", id=article_id)
        return
    await _link(turn, ticket, staff_id, article, by_button=True)


async def link_articles(
    turn: Turn, kb: ArticleSource | None, ticket: Ticket, staff_id: str, note: str
) -> None:
    """Keep each `kb:ID` of the note as an answer to the ticket's question; tell the engineer the outcome."""
    ids = linked_ids(note)
    if not ids or kb is None:
        return
    for article_id in ids:
        article = await kb.get(article_id, Reader.staff())
        if not isinstance(article, Article):
            turn.tell("There is no published article {id}; nothing was linked.", id=article_id)
            continue
        await _link(turn, ticket, staff_id, article, by_button=False)


async def _link(turn: Turn, ticket: Ticket, staff_id: str, article: Article, *, by_button: bool) -> None:
    """Keep the ticket's question as a confirmed phrasing of `article`, log it, and tell the engineer."""
    try:
        kept = await learning.engineer_linked(
            turn.uow.phrasings, article, ticket.description, ticket.client_id, staff_id, turn.now
        )
    except KbError as error:
        turn.tell("Article {id} was not linked: {why}", id=article.id, why=str(error))
        return
    await turn.uow.interactions.add(
        "kb_linked",
        turn.now,
        article_id=article.id,
        ticket_id=ticket.id,
        query=ticket.description,
        data={"by": staff_id, "phrasing": kept.id if kept else None, "button": by_button},
    )
    if kept is None:
        turn.tell("Article {id} was not linked: {why}", id=article.id, why="an admin removed this pairing")
    elif article.audience == INTERNAL:
        turn.tell(
            "Article “{title}” (staff only) is linked to the question on {ref}: colleagues get it suggested on "
            "similar jobs.",
            title=short(article.title, 80),
            ref=ticket.ref,
        )
    elif by_button:
        turn.tell(
            "Article “{title}” is linked to the client's question on {ref}: similar questions now find it.",
            title=short(article.title, 80),
            ref=ticket.ref,
        )
    else:
        turn.tell(
            "Article {id} is linked to the client's question: similar questions now find it.", id=article.id
        )
