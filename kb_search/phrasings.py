"""Confirmed phrasings: questions that an article was confirmed to answer, and the rules they follow.

A phrasing is kept when a client presses *Helped* on an article, when an engineer links an article while
resolving a ticket, or when a history file is loaded for an evaluation. Search matches new questions
against them (question to question, `kb_search.phrasing_index`). The rules live here:

- **Audience.** A phrasing counts only inside its article's audience, and only when the person who asked
  may read the article: a client's question never attaches to an `internal` article or to another
  client's article (`phrasing_audience` refuses). The text itself is never shown to any reader.
- **Distinct confirmers.** Every confirmer counts once, whatever the number of presses (`helped` and
  `not_helped` keep the raw presses). A phrasing confirmed by one client boosts the article for that
  client only; it counts for every reader of the audience once `MIN_CLIENTS` distinct clients confirmed
  it, or when staff (an engineer's link, an admin, a history file) confirmed it.
- **Verdicts.** A confirmer's last verdict wins: *Did not help* after *Helped* moves them to the other
  side. More distinct voices against than for turn the pairing into a penalty (`Phrasing.weight` < 0).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from kb_search.model import Article, KbError, Reader, ReaderKind

MIN_CLIENTS = 2
"""Distinct clients that must confirm a phrasing before it counts for every reader of the audience."""
MAX_TEXT = 1000
MAX_CONFIRMERS = 200
"""Distinct confirmers kept per phrasing (and side); more change nothing once the phrasing is open."""
TRUSTED_PREFIXES = ("staff:", "admin:", "history")
"""Confirmer keys of people the help desk answers for: one of them opens a phrasing to all its readers."""


class PhrasingSource(StrEnum):
    """Where a phrasing first came from."""

    CLIENT_HELPED = "client_helped"
    ENGINEER_LINKED = "engineer_linked"
    HISTORY = "history"
    ADMIN = "admin"


def question_text(text: str) -> str:
    """The question as kept: trimmed, inner whitespace collapsed, cut to `MAX_TEXT` characters."""
    return " ".join((text or "").split())[:MAX_TEXT]


def text_key(text: str) -> str:
    """A short key of the question that ignores case, spacing and punctuation (one row per wording)."""
    folded = re.sub(r"[\W_]+", " ", question_text(text).casefold()).strip()
    return hashlib.blake2b(folded.encode("utf-8"), digest_size=16).hexdigest()


def client_key(client_id: str | None, contact_id: str | None) -> str:
    """The confirmer key of a client person: their organisation when known, else the contact itself."""
    if client_id:
        return f"client:{client_id}"
    if contact_id:
        return f"contact:{contact_id}"
    raise KbError("a client confirmation needs the client's or the contact's id")


def staff_key(staff_id: str) -> str:
    """The confirmer key of a staff member (an engineer linking an article)."""
    if not staff_id:
        raise KbError("a staff confirmation needs the staff member's id")
    return f"staff:{staff_id}"


def phrasing_audience(article: Article, asker: Reader) -> str:
    """The audience a question of `asker` may join on `article`; raise `KbError` when it would cross one.

    The question must come from someone who may read the article: otherwise the phrasing could make the
    article answer people who cannot see it, or leak a client's wording into another client's section.
    """
    if not article.published:
        raise KbError(
            "article {id} is not published: publish it before linking questions to it", id=article.id
        )
    if not asker.may_see_audience(article.audience):
        who = f"client {asker.client_id}" if asker.client_id else "an anonymous client"
        if asker.kind is ReaderKind.STAFF:
            who = "staff"
        raise KbError(
            "refused: the question of {who} cannot be linked to article {id} (audience {audience}), which that person may not read",
            who=who,
            id=article.id,
            audience=article.audience,
        )
    return article.audience


@dataclass(frozen=True, slots=True)
class Phrasing:
    """One confirmed wording of a question for one article, within one audience."""

    id: int
    article_id: str
    text: str
    audience: str
    source: PhrasingSource
    created_at: datetime
    updated_at: datetime
    helped_by: tuple[str, ...] = ()
    not_helped_by: tuple[str, ...] = ()
    helped: int = 0
    not_helped: int = 0
    removed_at: datetime | None = None
    removed_by: str | None = None

    @property
    def active(self) -> bool:
        """False once an admin removed it."""
        return self.removed_at is None

    @property
    def clients(self) -> int:
        """Distinct clients who said it helped (staff and history not counted)."""
        return sum(1 for k in self.helped_by if not k.startswith(TRUSTED_PREFIXES))

    @property
    def trusted(self) -> bool:
        """True when staff, an admin or a history file confirmed it."""
        return any(k.startswith(TRUSTED_PREFIXES) for k in self.helped_by)

    @property
    def open(self) -> bool:
        """True when it counts for every reader of its audience, not only for the clients who confirmed it."""
        voices = {k for k in (*self.helped_by, *self.not_helped_by) if not k.startswith(TRUSTED_PREFIXES)}
        return self.trusted or len(voices) >= MIN_CLIENTS

    @property
    def client_ids(self) -> frozenset[str]:
        """Organisations whose own confirmation (either way) already counts for them."""
        keys = (*self.helped_by, *self.not_helped_by)
        return frozenset(k[len("client:") :] for k in keys if k.startswith("client:"))

    @property
    def weight(self) -> float:
        """-1..1: distinct voices for minus against, over all; a trusted confirmation weighs `MIN_CLIENTS`."""
        support = self.clients + (MIN_CLIENTS if self.trusted else 0)
        against = len(self.not_helped_by)
        total = support + against
        return (support - against) / total if total else 0.0

    def with_verdict(self, confirmer: str, helped: bool, at: datetime) -> Phrasing:
        """The phrasing after `confirmer` said it helped (or not); a repeated verdict only counts the press."""
        keep, other = (self.helped_by, self.not_helped_by) if helped else (self.not_helped_by, self.helped_by)
        if confirmer not in keep and len(keep) < MAX_CONFIRMERS:
            keep = (*keep, confirmer)
        other = tuple(k for k in other if k != confirmer)
        helped_by, not_helped_by = (keep, other) if helped else (other, keep)
        return replace(
            self,
            helped_by=helped_by,
            not_helped_by=not_helped_by,
            helped=self.helped + (1 if helped else 0),
            not_helped=self.not_helped + (0 if helped else 1),
            updated_at=at,
        )
