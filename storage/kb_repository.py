"""SQL implementations of the kb_search ports: articles with history, the gap log, the pgvector index."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import Float, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from kb_search.model import Article, ArticleStatus, ArticleVersion, KbError, Reader, ReaderKind
from kb_search.ports import Changes, Gap, VectorRow
from storage.kb_tables import kb_article_versions, kb_articles, kb_gaps, kb_vectors
from ticket_core.utc import utcnow

IN_LIST = 500
"""Ids per `IN (...)`: SQLite takes at most 32,766 parameters in a statement, PostgreSQL 65,535."""


def _parts(ids: list[str]) -> list[list[str]]:
    return [ids[i : i + IN_LIST] for i in range(0, len(ids), IN_LIST)]


def _article(row: RowMapping) -> Article:
    return Article(
        id=row["id"],
        title=row["title"],
        body=row["body"],
        audience=row["audience"],
        lang=row["lang"],
        tags=tuple(row["tags"] or ()),
        status=ArticleStatus(row["status"]),
        version=row["version"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )


class SqlArticleRepository:
    """Implements `kb_search.ports.ArticleRepository` on the caller's session; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _row(self, article_id: str, *, deleted: bool = False) -> RowMapping | None:
        query = select(kb_articles).where(kb_articles.c.id == article_id)
        if not deleted:
            query = query.where(kb_articles.c.deleted_at.is_(None))
        return (await self.session.execute(query)).mappings().first()

    async def get(self, article_id: str) -> Article | None:
        """Return the article (any status), or None."""
        if not isinstance(article_id, str):
            return None
        row = await self._row(article_id)
        return _article(row) if row is not None else None

    async def get_many(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """The articles (any status) among `article_ids` that exist, by id: one SELECT per 500 ids."""
        found: dict[str, Article] = {}
        for part in _parts(list(dict.fromkeys(article_ids))):
            query = select(kb_articles).where(kb_articles.c.id.in_(part), kb_articles.c.deleted_at.is_(None))
            found.update((r["id"], _article(r)) for r in (await self.session.execute(query)).mappings())
        return found

    async def list(
        self, status: ArticleStatus | None = None, audience: str | None = None
    ) -> builtins.list[Article]:
        """Articles ordered by id, optionally of one status and/or audience."""
        query = select(kb_articles).where(kb_articles.c.deleted_at.is_(None)).order_by(kb_articles.c.id)
        if status is not None:
            query = query.where(kb_articles.c.status == str(status))
        if audience is not None:
            query = query.where(kb_articles.c.audience == audience)
        return [_article(r) for r in (await self.session.execute(query)).mappings()]

    async def _last_version(self, article_id: str) -> int:
        query = select(func.max(kb_article_versions.c.version)).where(
            kb_article_versions.c.article_id == article_id
        )
        return int((await self.session.execute(query)).scalar() or 0)

    async def _save(self, article: Article, author: str | None, action: str) -> Article:
        now = utcnow()
        version = await self._last_version(article.id) + 1
        saved = Article(
            id=article.id,
            title=article.title,
            body=article.body,
            audience=article.audience,
            lang=article.lang,
            tags=article.tags,
            status=article.status,
            version=version,
            updated_at=now,
            updated_by=author,
        )
        values = {
            "title": saved.title,
            "body": saved.body,
            "audience": saved.audience,
            "lang": saved.lang,
            "tags": list(saved.tags),
            "status": str(saved.status),
            "version": version,
            "updated_at": now,
            "updated_by": author,
            "deleted_at": None,
        }
        if await self._row(article.id, deleted=True) is None:
            await self.session.execute(insert(kb_articles).values(id=article.id, **values))
        else:
            await self.session.execute(
                update(kb_articles).where(kb_articles.c.id == article.id).values(**values)
            )
        await self._write_version(saved, action, author, now)
        return saved

    async def _write_version(self, article: Article, action: str, author: str | None, at: datetime) -> None:
        await self.session.execute(
            insert(kb_article_versions).values(
                article_id=article.id,
                version=article.version,
                title=article.title,
                body=article.body,
                audience=article.audience,
                lang=article.lang,
                tags=list(article.tags),
                status=str(article.status),
                action=action,
                author=author,
                at=at,
            )
        )

    async def upsert(self, article: Article, author: str | None) -> Article:
        """Create or replace an article (validated first); bump its version and write a version row."""
        article = article.validated()
        exists = await self._row(article.id) is not None
        return await self._save(article, author, "edit" if exists else "create")

    async def upsert_many(self, articles: Sequence[Article], author: str | None) -> builtins.list[Article]:
        """`upsert` of each article, in five statements per 500 articles instead of five per article.

        An import of 1,000 articles took 6,000 round trips one by one (docs/kb.md, *Import*).
        """
        valid = [a.validated() for a in articles]
        ids = [a.id for a in valid]
        if len(set(ids)) != len(ids):
            raise KbError("an article id appears twice in one save; make ids unique")
        live: set[str] = set()
        rows: set[str] = set()  # deleted ones included: they are updated, not inserted
        last: dict[str, int] = {}
        for part in _parts(ids):
            query = select(kb_articles.c.id, kb_articles.c.deleted_at).where(kb_articles.c.id.in_(part))
            for article_id, deleted_at in (await self.session.execute(query)).all():
                rows.add(article_id)
                if deleted_at is None:
                    live.add(article_id)
            versions = (
                select(kb_article_versions.c.article_id, func.max(kb_article_versions.c.version))
                .where(kb_article_versions.c.article_id.in_(part))
                .group_by(kb_article_versions.c.article_id)
            )
            last.update((a, int(v or 0)) for a, v in (await self.session.execute(versions)).all())
        now = utcnow()
        saved = [
            Article(
                id=a.id, title=a.title, body=a.body, audience=a.audience, lang=a.lang, tags=a.tags,
                status=a.status, version=last.get(a.id, 0) + 1, updated_at=now, updated_by=author,
            )
            for a in valid
        ]  # fmt: skip
        values = [
            {
                "title": a.title, "body": a.body, "audience": a.audience, "lang": a.lang, "tags": list(a.tags),
                "status": str(a.status), "version": a.version, "updated_at": now, "updated_by": author,
                "deleted_at": None,
            }
            for a in saved
        ]  # fmt: skip
        new = [{"id": a.id, **v} for a, v in zip(saved, values, strict=True) if a.id not in rows]
        old = [{"row_id": a.id, **v} for a, v in zip(saved, values, strict=True) if a.id in rows]
        if new:
            await self.session.execute(insert(kb_articles), new)
        if old:
            await self.session.execute(
                update(kb_articles).where(kb_articles.c.id == bindparam("row_id")), old
            )
        if saved:
            await self.session.execute(
                insert(kb_article_versions),
                [
                    {
                        "article_id": a.id, "version": a.version, "title": a.title, "body": a.body,
                        "audience": a.audience, "lang": a.lang, "tags": list(a.tags), "status": str(a.status),
                        "action": "edit" if a.id in live else "create", "author": author, "at": now,
                    }
                    for a in saved
                ],
            )  # fmt: skip
        return saved

    async def set_status(self, article_id: str, status: ArticleStatus, author: str | None) -> Article:
        """Publish or unpublish; a new version records who did it."""
        current = await self.get(article_id)
        if current is None:
            raise KbError(f"no article {article_id!r}; list them with `helpdesk kb list`")
        status = ArticleStatus(status)
        action = "publish" if status is ArticleStatus.PUBLISHED else "unpublish"
        return await self._save(
            Article(
                current.id,
                current.title,
                current.body,
                current.audience,
                current.lang,
                current.tags,
                status,
            ),
            author,
            action,
        )

    async def delete(self, article_id: str, author: str | None) -> bool:
        """Delete the article; its history stays and gets a "delete" entry."""
        current = await self.get(article_id)
        if current is None:
            return False
        now = utcnow()
        version = await self._last_version(article_id) + 1
        await self.session.execute(
            update(kb_articles)
            .where(kb_articles.c.id == article_id)
            .values(deleted_at=now, updated_at=now, updated_by=author, version=version)
        )
        gone = Article(
            current.id,
            current.title,
            current.body,
            current.audience,
            current.lang,
            current.tags,
            current.status,
            version,
            now,
            author,
        )
        await self._write_version(gone, "delete", author, now)
        return True

    async def history(self, article_id: str) -> builtins.list[ArticleVersion]:
        """Every version of the article, oldest first."""
        query = (
            select(kb_article_versions)
            .where(kb_article_versions.c.article_id == article_id)
            .order_by(kb_article_versions.c.version)
        )
        return [
            ArticleVersion(
                article_id=r["article_id"],
                version=r["version"],
                title=r["title"],
                body=r["body"],
                audience=r["audience"],
                lang=r["lang"],
                tags=tuple(r["tags"] or ()),
                status=ArticleStatus(r["status"]),
                action=r["action"],
                author=r["author"],
                at=r["at"],
            )
            for r in (await self.session.execute(query)).mappings()
        ]

    async def changed_since(self, since: datetime | None) -> Changes:
        """Articles saved and ids deleted after `since` (everything when None)."""
        query = select(kb_articles).order_by(kb_articles.c.updated_at)
        if since is not None:
            query = query.where(kb_articles.c.updated_at > since)
        articles: list[Article] = []
        removed: list[str] = []
        until: datetime | None = None
        for row in (await self.session.execute(query)).mappings():
            until = row["updated_at"]
            if row["deleted_at"] is not None:
                removed.append(row["id"])
            else:
                articles.append(_article(row))
        return Changes(articles, removed, until)


def _audience_label(reader: Reader) -> str:
    if reader.kind is ReaderKind.CLIENT and reader.client_id:
        return f"client:{reader.client_id}"
    return "internal" if reader.kind is ReaderKind.STAFF else "public"


class SqlGapLog:
    """Implements `kb_search.ports.GapLog` on the caller's session; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, query: str, reader: Reader, best_score: float, at: datetime) -> None:
        """Remember one unanswered question (cut to 1000 characters)."""
        await self.record_many([(query, reader, best_score, at)])

    async def record_many(self, gaps: Sequence[tuple[str, Reader, float, datetime]]) -> None:
        """Remember several unanswered questions in one statement."""
        if gaps:
            rows = [
                {"query": q[:1000], "audience": _audience_label(r), "best_score": float(s), "at": at}
                for q, r, s, at in gaps
            ]
            await self.session.execute(insert(kb_gaps), rows)

    async def list(self, since: datetime | None = None) -> builtins.list[Gap]:
        """Gaps after `since`, oldest first."""
        query = select(kb_gaps).order_by(kb_gaps.c.at, kb_gaps.c.id)
        if since is not None:
            query = query.where(kb_gaps.c.at > since)
        return [
            Gap(r["query"], r["audience"], r["best_score"], r["at"])
            for r in (await self.session.execute(query)).mappings()
        ]


class PgVectorIndex:
    """Implements `kb_search.ports.VectorIndex` in PostgreSQL with pgvector; exact cosine search.

    Exact search keeps results identical to the in-process index. It owns its engine connections
    (the index is process-wide, not part of a unit of work) and commits its own writes.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        if engine.dialect.name != "postgresql":
            raise KbError("the pgvector index needs PostgreSQL; set KB_INDEX_BACKEND=memory for SQLite")
        self.engine = engine

    async def put(self, article_id: str, rows: Sequence[VectorRow]) -> None:
        """Replace every vector of `article_id`."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(kb_vectors).where(kb_vectors.c.article_id == article_id))
            if rows:
                await conn.execute(
                    insert(kb_vectors),
                    [
                        {
                            "article_id": r.article_id,
                            "chunk": r.chunk,
                            "audience": r.audience,
                            "version": r.version,
                            "embedding": np.asarray(r.vector, dtype=np.float32),
                        }
                        for r in rows
                    ],
                )

    async def remove(self, article_id: str) -> None:
        """Drop every vector of `article_id`."""
        async with self.engine.begin() as conn:
            await conn.execute(delete(kb_vectors).where(kb_vectors.c.article_id == article_id))

    async def has(self, article_id: str, version: int) -> bool:
        """Tell whether this article version is embedded already (another process may have done it)."""
        async with self.engine.connect() as conn:
            found = await conn.execute(
                select(kb_vectors.c.chunk)
                .where(kb_vectors.c.article_id == article_id, kb_vectors.c.version == version)
                .limit(1)
            )
            return found.first() is not None

    async def search(
        self, vector: np.ndarray, audiences: frozenset[str] | None, n: int
    ) -> builtins.list[tuple[str, float]]:
        """Top `n` (article id, best chunk cosine); audiences filter in SQL before ranking."""
        from pgvector.sqlalchemy import Vector

        query_vector = bindparam("query_vector", np.asarray(vector, dtype=np.float32), type_=Vector())
        cos = 1 - kb_vectors.c.embedding.op("<=>", return_type=Float())(query_vector)
        best = func.max(cos).label("best")
        query = select(kb_vectors.c.article_id, best).group_by(kb_vectors.c.article_id)
        if audiences is not None:
            query = query.where(kb_vectors.c.audience.in_(sorted(audiences)))
        query = query.order_by(best.desc(), kb_vectors.c.article_id).limit(n)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(r[0], float(r[1])) for r in rows]

    async def close(self) -> None:
        """The engine belongs to the caller; nothing to release."""
