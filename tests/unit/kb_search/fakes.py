"""Test doubles for kb_search: a deterministic embedder and in-memory article and phrasing repositories."""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from kb_search.model import Article, ArticleStatus, ArticleVersion, KbError, Reader
from kb_search.phrasings import Phrasing, PhrasingSource, question_text, text_key
from kb_search.ports import Changes, Gap, PhrasingChanges
from kb_search.text import tokens
from tests.fakes.memory_lists import MemoryArticleLists


class HashEmbedder:
    """Bag of hashed stems, L2-normalised: texts sharing words get high cosine. No model, instant."""

    name = "hash"
    dim = 256

    def _one(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for term in tokens(text):
            slot = int(hashlib.md5(term.encode()).hexdigest(), 16) % self.dim
            vector[slot] += 1.0
        norm = float(np.linalg.norm(vector))
        # An empty text still needs a unit vector; cosine 0 to everything is what we want from it.
        if norm == 0:
            vector[0] = 1.0
            return vector
        return vector / norm

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_queries(texts)


class Clock:
    """A manual clock, so change timestamps are strictly increasing in tests."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=10)
        return self.now


class MemoryArticleRepository:
    """`ArticleRepository` in a dict, following the same rules as the SQL one."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.rows: dict[str, tuple[Article, datetime | None]] = {}
        self.versions: list[ArticleVersion] = []

    async def get(self, article_id: str) -> Article | None:
        row = self.rows.get(article_id)
        return row[0] if row and row[1] is None else None

    async def list(
        self, status: ArticleStatus | None = None, audience: str | None = None
    ) -> builtins.list[Article]:
        return sorted(
            (
                a
                for a, deleted in self.rows.values()
                if deleted is None
                and (status is None or a.status == status)
                and (audience is None or a.audience == audience)
            ),
            key=lambda a: a.id,
        )

    def _last(self, article_id: str) -> int:
        return max((v.version for v in self.versions if v.article_id == article_id), default=0)

    def _save(self, article: Article, author: str | None, action: str) -> Article:
        saved = replace(
            article, version=self._last(article.id) + 1, updated_at=self.clock(), updated_by=author
        )
        self.rows[article.id] = (saved, None)
        self._log(saved, action, author)
        return saved

    def _log(self, a: Article, action: str, author: str | None) -> None:
        self.versions.append(
            ArticleVersion(
                a.id,
                a.version,
                a.title,
                a.body,
                a.audience,
                a.lang,
                a.tags,
                a.status,
                action,
                author,
                a.updated_at,
            )
        )

    async def get_many(self, article_ids: Sequence[str]) -> dict[str, Article]:
        return {i: a for i in article_ids if (a := await self.get(i)) is not None}

    async def upsert(self, article: Article, author: str | None) -> Article:
        article = article.validated()
        return self._save(article, author, "edit" if await self.get(article.id) else "create")

    async def upsert_many(self, articles: Sequence[Article], author: str | None) -> builtins.list[Article]:
        valid = [a.validated() for a in articles]
        if len({a.id for a in valid}) != len(valid):
            raise KbError("an article id appears twice in one save; make ids unique")
        return [await self.upsert(a, author) for a in valid]

    async def set_status(self, article_id: str, status: ArticleStatus, author: str | None) -> Article:
        current = await self.get(article_id)
        if current is None:
            raise KbError(f"no article {article_id!r}")
        return self._save(
            replace(current, status=status), author, "publish" if status == "published" else "unpublish"
        )

    async def delete(self, article_id: str, author: str | None) -> bool:
        current = await self.get(article_id)
        if current is None:
            return False
        gone = replace(
            current, version=self._last(article_id) + 1, updated_at=self.clock(), updated_by=author
        )
        self.rows[article_id] = (gone, gone.updated_at)
        self._log(gone, "delete", author)
        return True

    async def history(self, article_id: str) -> builtins.list[ArticleVersion]:
        return [v for v in self.versions if v.article_id == article_id]

    async def changed_since(self, since: datetime | None) -> Changes:
        rows = sorted(self.rows.values(), key=lambda r: r[0].updated_at)
        rows = [r for r in rows if since is None or r[0].updated_at > since]
        return Changes(
            [a for a, d in rows if d is None],
            [a.id for a, d in rows if d is not None],
            rows[-1][0].updated_at if rows else None,
        )


class MemoryGapLog:
    """`GapLog` in a list."""

    def __init__(self) -> None:
        self.gaps: list[Gap] = []

    async def record(self, query: str, reader: Reader, best_score: float, at: datetime) -> None:
        self.gaps.append(Gap(query, str(reader.kind), best_score, at))

    async def record_many(self, gaps: Sequence[tuple[str, Reader, float, datetime]]) -> None:
        for query, reader, best_score, at in gaps:
            await self.record(query, reader, best_score, at)

    async def list(self, since: datetime | None = None) -> builtins.list[Gap]:
        return [g for g in self.gaps if since is None or g.at > since]


class MemoryKbAudit:
    """The KB audit log as a list of (at, author, action, article id, detail)."""

    def __init__(self) -> None:
        self.entries: list[tuple[datetime, str, str, str, dict[str, Any] | None]] = []

    async def record(
        self, at: datetime, author: str, action: str, article_id: str, detail: dict[str, Any] | None
    ) -> None:
        self.entries.append((at, author, action, article_id, detail))


class MemorySource:
    """A unit-of-work factory over the memory repository and gap log, counting commits."""

    def __init__(self, repo: MemoryArticleRepository | None = None) -> None:
        self.articles = repo or MemoryArticleRepository()
        self.kb_gaps = MemoryGapLog()
        self.phrasings = MemoryPhrasingRepository(clock=self.articles.clock)
        self.kb_audit = MemoryKbAudit()
        self.article_lists = MemoryArticleLists(self.articles)
        self.commits = 0

    def __call__(self) -> MemorySource:
        return self

    async def __aenter__(self) -> MemorySource:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1


class MemoryPhrasingRepository:
    """`PhrasingRepository` over a dict of rows (its own, or a memory unit of work's state)."""

    def __init__(self, rows: dict[int, Phrasing] | None = None, clock: Clock | None = None) -> None:
        self._own: dict[int, Phrasing] = rows if rows is not None else {}
        self.clock = clock

    def rows(self) -> dict[int, Phrasing]:
        """Where the phrasings live (a memory unit of work points this at its working state)."""
        return self._own

    def _at(self, at: datetime) -> datetime:
        return self.clock() if self.clock is not None else at

    async def lock(
        self, article_id: str, audience: str, text: str, source: PhrasingSource, at: datetime
    ) -> Phrasing:
        text = question_text(text)
        key = text_key(text)
        rows = self.rows()
        for row in rows.values():
            if (row.article_id, row.audience, text_key(row.text)) == (article_id, audience, key):
                return row
        at = self._at(at)
        row = Phrasing(max(rows, default=0) + 1, article_id, text, audience, source, at, at)
        rows[row.id] = row
        return row

    async def save(self, phrasing: Phrasing) -> None:
        self.rows()[phrasing.id] = replace(phrasing, updated_at=self._at(phrasing.updated_at))

    async def get(self, phrasing_id: int) -> Phrasing | None:
        return self.rows().get(phrasing_id)

    async def for_article(self, article_id: str) -> builtins.list[Phrasing]:
        found = [p for p in self.rows().values() if p.article_id == article_id and p.active]
        return sorted(found, key=lambda p: (-len(p.helped_by), -p.helped, p.id))

    async def remove(self, phrasing_id: int, by: str, at: datetime) -> Phrasing | None:
        row = self.rows().get(phrasing_id)
        if row is None:
            return None
        at = self._at(at)
        gone = replace(row, removed_at=at, removed_by=by, updated_at=at)
        self.rows()[phrasing_id] = gone
        return gone

    async def changed_since(self, since: datetime | None) -> PhrasingChanges:
        rows = sorted(self.rows().values(), key=lambda p: (p.updated_at, p.id))
        if since is None:
            rows = [p for p in rows if p.active]
        else:
            rows = [p for p in rows if p.updated_at > since]
        return PhrasingChanges(
            [p for p in rows if p.active],
            [p.id for p in rows if not p.active],
            rows[-1].updated_at if rows else None,
        )
