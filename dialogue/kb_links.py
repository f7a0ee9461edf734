"""An engineer links KB articles while resolving a ticket: `kb:ID` in the resolution note.

Each article named that way is kept as a confirmed answer to the ticket's description (the client's own
question), under the client's audience rules (`kb_search.learning.engineer_linked`): an internal article
or another client's article is refused and the engineer is told why. The link commits with the resolution.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

from dialogue.turn import Turn
from kb_search import learning
from kb_search.model import KbError, Reader
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

TEXTS = {
    "kb_linked": (
        "Статья {id} связана с вопросом клиента: похожие вопросы теперь найдут её.",
        "Article {id} is linked to the client's question: similar questions now find it.",
    ),
    "kb_link_unknown": (
        "Статьи {id} нет среди опубликованных; связь не сохранена.",
        "There is no published article {id}; nothing was linked.",
    ),
    "kb_link_refused": ("Статья {id} не связана: {why}", "Article {id} was not linked: {why}"),
}


class ArticleSource(Protocol):
    """What linking needs from kb_search.KnowledgeBase."""

    async def get(self, article_id: str, reader: Reader) -> Any: ...


def linked_ids(note: str) -> list[str]:
    """Article ids named as `kb:ID` in a note, in order, each once (at most `MAX_LINKS`)."""
    found = [m.rstrip(".,;:)-") for m in LINK.findall(note or "")]
    return list(dict.fromkeys(f for f in found if f))[:MAX_LINKS]


def _say(turn: Turn, key: str, **values: object) -> None:
    ru, en = TEXTS[key]
    turn.reply((ru if turn.lang == "ru" else en).format(**values))


async def link_articles(
    turn: Turn, kb: ArticleSource | None, ticket: Ticket, staff_id: str, note: str
) -> None:
    """Keep each `kb:ID` of the note as an answer to the ticket's question; tell the engineer the outcome."""
    ids = linked_ids(note)
    if not ids or kb is None:
        return
    for article_id in ids:
        article = await kb.get(article_id, Reader.staff())
        if article is None:
            _say(turn, "kb_link_unknown", id=article_id)
            continue
        try:
            kept = await learning.engineer_linked(
                turn.uow.phrasings, article, ticket.description, ticket.client_id, staff_id, turn.now
            )
        except KbError as error:
            _say(turn, "kb_link_refused", id=article_id, why=str(error))
            continue
        await turn.uow.interactions.add(
            "kb_linked",
            turn.now,
            article_id=article_id,
            ticket_id=ticket.id,
            query=ticket.description,
            data={"by": staff_id, "phrasing": kept.id if kept else None},
        )
        if kept is None:
            _say(turn, "kb_link_refused", id=article_id, why="an admin removed this pairing")
        else:
            _say(turn, "kb_linked", id=article_id)
