"""What kb_search needs from storage: the article repository, the gap log, confirmed phrasings, a unit of work
over them and a vector index."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, Self

import numpy as np

from kb_search.model import Article, ArticleStatus, ArticleVersion, Reader
from kb_search.phrasings import Phrasing, PhrasingSource


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed since a moment: articles saved (any status) and ids deleted."""

    articles: list[Article] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    until: datetime | None = None
    """The latest change time seen; pass it (minus a small overlap) to the next call."""


@dataclass(frozen=True, slots=True)
class Gap:
    """A question the KB could not answer with confidence."""

    query: str
    audience: str
    best_score: float
    at: datetime


@dataclass(frozen=True, slots=True)
class ArticleQuery:
    """Which KB articles the admin's list shows; every set field must match (`text`: in title or body)."""

    lang: str | None = None
    audience: str | None = None
    status: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """One line of the KB list (no body: the list does not need it)."""

    id: str
    title: str
    audience: str
    lang: str
    tags: tuple[str, ...]
    status: str
    version: int
    updated_at: datetime
    updated_by: str | None


class ArticleLists(Protocol):
    """Read model: the admin's KB list (filtered, paged, without bodies), its filter menus and counts."""

    async def page(
        self, where: ArticleQuery, *, limit: int, offset: int
    ) -> tuple[builtins.list[ArticleRow], int]:
        """One page of (not deleted) articles by id, and the number of all matches."""
        ...

    async def facets(self) -> tuple[builtins.list[str], builtins.list[str]]:
        """The languages and the audiences in use, each sorted."""
        ...

    async def counts_by_status(self) -> dict[str, int]:
        """How many (not deleted) articles are in each status."""
        ...


class ArticleRepository(Protocol):
    """Stores articles and their version history. Writes never commit: the caller's unit of work does."""

    async def get(self, article_id: str) -> Article | None:
        """Return the article (any status), or None."""
        ...

    async def list(
        self, status: ArticleStatus | None = None, audience: str | None = None
    ) -> builtins.list[Article]:
        """Return articles, optionally only of one status and/or audience, ordered by id."""
        ...

    async def get_many(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """The articles (any status) among `article_ids` that exist, by id."""
        ...

    async def upsert(self, article: Article, author: str | None) -> Article:
        """Create or replace an article; bump its version and write a version row. Return what was saved."""
        ...

    async def upsert_many(self, articles: Sequence[Article], author: str | None) -> builtins.list[Article]:
        """`upsert` of each article (ids distinct, else `KbError`), in a few statements for the whole lot."""
        ...

    async def set_status(self, article_id: str, status: ArticleStatus, author: str | None) -> Article:
        """Publish or unpublish; raise `KbError` when the article does not exist."""
        ...

    async def delete(self, article_id: str, author: str | None) -> bool:
        """Delete an article (its history stays); return False when there was none."""
        ...

    async def history(self, article_id: str) -> builtins.list[ArticleVersion]:
        """Every saved version of the article, oldest first."""
        ...

    async def changed_since(self, since: datetime | None) -> Changes:
        """Articles saved and ids deleted after `since` (everything when None)."""
        ...


class GapLog(Protocol):
    """Keeps questions that got no confident answer."""

    async def record(self, query: str, reader: Reader, best_score: float, at: datetime) -> None:
        """Remember one unanswered question."""
        ...

    async def record_many(self, gaps: Sequence[tuple[str, Reader, float, datetime]]) -> None:
        """Remember several (query, reader, best score, at) questions at once, like `record` for each."""
        ...

    async def list(self, since: datetime | None = None) -> builtins.list[Gap]:
        """Gaps recorded after `since` (all when None), oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class PhrasingChanges:
    """Phrasings saved (active ones) and ids removed since a moment."""

    phrasings: list[Phrasing] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    until: datetime | None = None
    """The latest change time seen; pass it (minus a small overlap) to the next call."""


class PhrasingRepository(Protocol):
    """Confirmed phrasings of articles. Writes never commit: the caller's unit of work does."""

    async def lock(
        self, article_id: str, audience: str, text: str, source: PhrasingSource, at: datetime
    ) -> Phrasing:
        """The phrasing of this wording (`phrasings.text_key`), created empty when new, locked until commit.

        A removed phrasing is returned as it is (its `removed_at` set): an admin's removal stands.
        """
        ...

    async def save(self, phrasing: Phrasing) -> None:
        """Write the verdicts, counts and `updated_at` of a phrasing got from `lock`."""
        ...

    async def get(self, phrasing_id: int) -> Phrasing | None:
        """One phrasing (removed ones too), or None."""
        ...

    async def for_article(self, article_id: str) -> builtins.list[Phrasing]:
        """The active phrasings of an article, most distinct confirmers first."""
        ...

    async def remove(self, phrasing_id: int, by: str, at: datetime) -> Phrasing | None:
        """Remove a phrasing (kept as a tombstone so other processes drop it); None when there is none."""
        ...

    async def changed_since(self, since: datetime | None) -> PhrasingChanges:
        """Phrasings saved and removed after `since` (every active one when None)."""
        ...


@dataclass(frozen=True, slots=True)
class VectorRow:
    """One embedded chunk of an article."""

    article_id: str
    chunk: int
    audience: str
    version: int
    vector: np.ndarray


class VectorIndex(Protocol):
    """Nearest chunks by cosine, filtered by audience before ranking; the result is per article."""

    async def put(self, article_id: str, rows: Sequence[VectorRow]) -> None:
        """Replace every vector of `article_id` with `rows`."""
        ...

    async def remove(self, article_id: str) -> None:
        """Drop every vector of `article_id`."""
        ...

    async def has(self, article_id: str, version: int) -> bool:
        """Tell whether vectors of this article version are already stored (skip re-embedding)."""
        ...

    async def search(
        self, vector: np.ndarray, audiences: frozenset[str] | None, n: int
    ) -> builtins.list[tuple[str, float]]:
        """Top `n` (article id, best chunk cosine), best first; `audiences` None means every audience."""
        ...

    async def close(self) -> None:
        """Release resources."""
        ...


class KbAudit(Protocol):
    """The audit log of KB changes: who changed which article, how, when (`kb_search.editing` writes it)."""

    async def record(
        self, at: datetime, author: str, action: str, article_id: str, detail: dict[str, Any] | None
    ) -> None:
        """Append one entry in the unit's transaction."""
        ...


class KbUnitOfWork(Protocol):
    """One transaction over the KB's repositories; `async with` begins it, leaving without `commit` rolls back."""

    @property
    def articles(self) -> ArticleRepository: ...

    @property
    def kb_gaps(self) -> GapLog: ...

    @property
    def phrasings(self) -> PhrasingRepository: ...

    @property
    def kb_audit(self) -> KbAudit: ...

    @property
    def article_lists(self) -> ArticleLists:
        """The admin's KB list (a read model; no KB use case needs it)."""
        ...

    async def commit(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...
