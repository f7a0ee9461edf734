"""Use cases of confirmed phrasings: a client's verdict on an answer, an engineer's link, an admin's removal.

Each checks its input and who acts before it changes anything, and runs inside the caller's unit of work
(the dialogue turn, the admin request): the phrasing commits together with the reply or the audit entry.
Search picks the change up through `PhrasingRepository.changed_since` within a second.
"""

from __future__ import annotations

from datetime import datetime

from kb_search.model import INTERNAL, Article, KbError, Reader, ReaderKind
from kb_search.phrasings import (
    Phrasing,
    PhrasingSource,
    client_key,
    phrasing_audience,
    question_text,
    staff_key,
)
from kb_search.ports import PhrasingRepository


async def _verdict(
    repo: PhrasingRepository,
    article: Article,
    question: str,
    asker: Reader,
    confirmer: str,
    source: PhrasingSource,
    helped: bool,
    at: datetime,
) -> Phrasing | None:
    text = question_text(question)
    if not text:
        raise KbError("an empty question cannot be kept as a phrasing")
    audience = phrasing_audience(article, asker)
    row = await repo.lock(article.id, audience, text, source, at)
    if not row.active:
        return None  # an admin removed this pairing: presses do not bring it back
    updated = row.with_verdict(confirmer, helped, at)
    await repo.save(updated)
    return updated


def _client_confirmer(asker: Reader, contact_id: str | None) -> str:
    """The key a client confirms under: only for themselves, never for another organisation."""
    if asker.kind is ReaderKind.STAFF:
        raise KbError("staff do not press Helped: link the article while resolving the ticket instead")
    return client_key(asker.client_id if asker.kind is ReaderKind.CLIENT else None, contact_id)


async def client_helped(
    repo: PhrasingRepository,
    article: Article,
    question: str,
    asker: Reader,
    contact_id: str | None,
    at: datetime,
) -> Phrasing | None:
    """A client said `article` answered `question`: keep the wording (None when an admin removed it).

    Raises:
        KbError: the question is empty, the client may not read the article, or the asker is not a client.
    """
    confirmer = _client_confirmer(asker, contact_id)
    return await _verdict(repo, article, question, asker, confirmer, PhrasingSource.CLIENT_HELPED, True, at)


async def client_not_helped(
    repo: PhrasingRepository,
    article: Article,
    question: str,
    asker: Reader,
    contact_id: str | None,
    at: datetime,
) -> Phrasing | None:
    """A client said the automatic answer `article` did not answer `question`: that pairing counts less."""
    confirmer = _client_confirmer(asker, contact_id)
    return await _verdict(repo, article, question, asker, confirmer, PhrasingSource.CLIENT_HELPED, False, at)


def engineer_reader(article: Article, client_id: str | None) -> Reader:
    """Whose question an engineer's link is read as: the ticket's client's, or staff's for an internal article.

    An internal article is staff's own reading (a procedure, a fix): the client's question linked to it is kept
    in the `internal` audience, so it helps the next engineer's suggestions and never reaches a client. Any
    other article follows the client's rule: public, or that client's own section, never another client's.
    """
    if article.audience == INTERNAL:
        return Reader.staff()
    return Reader.client(client_id) if client_id else Reader.public()


def engineer_may_link(article: Article, client_id: str | None) -> bool:
    """Whether an engineer may link `article` to a question of `client_id` (what suggestions offer)."""
    return article.published and engineer_reader(article, client_id).may_see_audience(article.audience)


async def engineer_linked(
    repo: PhrasingRepository,
    article: Article,
    question: str,
    client_id: str | None,
    staff_id: str,
    at: datetime,
) -> Phrasing | None:
    """An engineer working a ticket said `article` answers the ticket's `question` (asked by `client_id`).

    The audience rule is the client's (`engineer_reader`): an engineer cannot make another client's article,
    or an internal one, answer clients; a link to an internal article counts for staff only.
    """
    asker = engineer_reader(article, client_id)
    return await _verdict(
        repo, article, question, asker, staff_key(staff_id), PhrasingSource.ENGINEER_LINKED, True, at
    )


async def remove(repo: PhrasingRepository, phrasing_id: int, by: str, at: datetime) -> Phrasing:
    """Remove a phrasing for good (the caller checked that `by` is an admin and writes the audit entry).

    Raises:
        KbError: there is no such phrasing, or it was removed already.
    """
    current = await repo.get(phrasing_id)
    if current is None:
        raise KbError(
            "no phrasing {phrasing_id}; list an article's with `helpdesk kb phrasings ID`",
            phrasing_id=phrasing_id,
        )
    if not current.active:
        raise KbError(
            "phrasing {phrasing_id} was removed already by {who}",
            phrasing_id=phrasing_id,
            who=current.removed_by or "someone",
        )
    removed = await repo.remove(phrasing_id, by, at)
    if removed is None:
        raise KbError(
            "no phrasing {phrasing_id}; list an article's with `helpdesk kb phrasings ID`",
            phrasing_id=phrasing_id,
        )
    return removed
