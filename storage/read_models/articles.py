"""`SqlArticleLists`: the admin's KB list (filtered, paged, without bodies), its filter menus and counts."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from kb_search.ports import ArticleQuery, ArticleRow
from storage.kb_tables import kb_articles
from storage.text_match import contains_text

_LIVE = kb_articles.c.deleted_at.is_(None)


class SqlArticleLists:
    """Implements `kb_search.ports.ArticleLists` on a unit's session; read-only."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(self, where: ArticleQuery, *, limit: int, offset: int) -> tuple[list[ArticleRow], int]:
        """One page of articles (not deleted) ordered by id, and the number of all matches."""
        conditions: list[ColumnElement[bool]] = [_LIVE]
        if where.lang:
            conditions.append(kb_articles.c.lang == where.lang)
        if where.audience:
            conditions.append(kb_articles.c.audience == where.audience)
        if where.status:
            conditions.append(kb_articles.c.status == where.status)
        if where.text:
            # ILIKE on PostgreSQL uses the trigram indexes of migration 0007; SQLite folds with hd_lower.
            conditions.append(
                or_(
                    contains_text(kb_articles.c.title, where.text),
                    contains_text(kb_articles.c.body, where.text),
                )
            )
        columns = [c for c in kb_articles.c if c.name not in ("body", "deleted_at")]
        # One scan gives the page and the number of matches (the window count runs before LIMIT).
        query = (
            select(*columns, func.count().over().label("matches"))
            .where(*conditions)
            .order_by(kb_articles.c.id)
            .limit(limit)
            .offset(offset)
        )
        session = self.session
        bitmap_only = bool(where.text) and session.get_bind().dialect.name == "postgresql"
        if bitmap_only:
            # The planner underrates ILIKE '%...%' over long bodies and scans the whole table; the trigram
            # indexes answer it several times faster, so steer this one query (SET LOCAL: this transaction).
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            await session.execute(text("SET LOCAL enable_indexscan = off"))
        found = (await session.execute(query)).mappings().all()
        if bitmap_only:
            await session.execute(text("SET LOCAL enable_seqscan = on"))
            await session.execute(text("SET LOCAL enable_indexscan = on"))
        rows = [
            ArticleRow(
                id=r["id"],
                title=r["title"],
                audience=r["audience"],
                lang=r["lang"],
                tags=tuple(r["tags"] or ()),
                status=r["status"],
                version=r["version"],
                updated_at=r["updated_at"],
                updated_by=r["updated_by"],
            )
            for r in found
        ]
        if found:
            return rows, int(found[0]["matches"])
        # A page past the end: count on its own.
        count = select(func.count()).select_from(kb_articles).where(*conditions)
        return rows, int((await session.execute(count)).scalar() or 0)

    async def facets(self) -> tuple[list[str], list[str]]:
        """The languages and audiences in use, for the KB list's filter menus."""
        langs = (await self.session.execute(select(kb_articles.c.lang).where(_LIVE).distinct())).scalars()
        audiences = await self.session.execute(select(kb_articles.c.audience).where(_LIVE).distinct())
        return sorted(langs.all()), sorted(audiences.scalars().all())

    async def counts_by_status(self) -> dict[str, int]:
        """How many (not deleted) articles are in each status."""
        query = select(kb_articles.c.status, func.count()).where(_LIVE).group_by(kb_articles.c.status)
        return {row[0]: int(row[1]) for row in await self.session.execute(query)}
