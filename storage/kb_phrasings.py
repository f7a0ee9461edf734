"""`SqlPhrasingRepository`: confirmed phrasings of KB articles (implements `kb_search.ports.PhrasingRepository`)."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from kb_search.phrasings import Phrasing, PhrasingSource, question_text, text_key
from kb_search.ports import PhrasingChanges
from storage.kb_tables import kb_phrasings


def _phrasing(row: RowMapping) -> Phrasing:
    return Phrasing(
        id=int(row["id"]),
        article_id=row["article_id"],
        text=row["text"],
        audience=row["audience"],
        source=PhrasingSource(row["source"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        helped_by=tuple(row["helped_by"] or ()),
        not_helped_by=tuple(row["not_helped_by"] or ()),
        helped=int(row["helped"]),
        not_helped=int(row["not_helped"]),
        removed_at=row["removed_at"],
        removed_by=row["removed_by"],
    )


class SqlPhrasingRepository:
    """Confirmed phrasings on the caller's session; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(
        self, article_id: str, audience: str, text: str, source: PhrasingSource, at: datetime
    ) -> Phrasing:
        """The row of this wording (created empty when new), locked until the caller's transaction ends.

        Two first presses at once both insert: the second one's insert does nothing and it reads the row.
        """
        text = question_text(text)
        key = text_key(text)
        values = {
            "article_id": article_id,
            "text": text,
            "text_key": key,
            "audience": audience,
            "source": str(source),
            "helped_by": [],
            "not_helped_by": [],
            "helped": 0,
            "not_helped": 0,
            "created_at": at,
            "updated_at": at,
        }
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        await self.session.execute(
            insert(kb_phrasings)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["article_id", "audience", "text_key"])
        )
        query = (
            select(kb_phrasings)
            .where(
                kb_phrasings.c.article_id == article_id,
                kb_phrasings.c.audience == audience,
                kb_phrasings.c.text_key == key,
            )
            .with_for_update()
        )
        return _phrasing((await self.session.execute(query)).mappings().one())

    async def save(self, phrasing: Phrasing) -> None:
        """Write the verdicts, counts and `updated_at` of a locked phrasing."""
        await self.session.execute(
            update(kb_phrasings)
            .where(kb_phrasings.c.id == phrasing.id)
            .values(
                helped_by=list(phrasing.helped_by),
                not_helped_by=list(phrasing.not_helped_by),
                helped=phrasing.helped,
                not_helped=phrasing.not_helped,
                updated_at=phrasing.updated_at,
            )
        )

    async def get(self, phrasing_id: int) -> Phrasing | None:
        """One phrasing (removed ones too), or None."""
        if not isinstance(phrasing_id, int) or isinstance(phrasing_id, bool):
            return None
        query = select(kb_phrasings).where(kb_phrasings.c.id == phrasing_id)
        row = (await self.session.execute(query)).mappings().first()
        return _phrasing(row) if row is not None else None

    async def for_article(self, article_id: str) -> builtins.list[Phrasing]:
        """The active phrasings of an article, most presses of Helped first."""
        query = (
            select(kb_phrasings)
            .where(kb_phrasings.c.article_id == article_id, kb_phrasings.c.removed_at.is_(None))
            .order_by(kb_phrasings.c.helped.desc(), kb_phrasings.c.id)
        )
        rows = [_phrasing(r) for r in (await self.session.execute(query)).mappings()]
        rows.sort(key=lambda p: (-len(p.helped_by), -p.helped, p.id))
        return rows

    async def remove(self, phrasing_id: int, by: str, at: datetime) -> Phrasing | None:
        """Mark a phrasing removed (a tombstone other processes see); None when there is none."""
        current = await self.get(phrasing_id)
        if current is None:
            return None
        await self.session.execute(
            update(kb_phrasings)
            .where(kb_phrasings.c.id == phrasing_id)
            .values(removed_at=at, removed_by=by, updated_at=at)
        )
        return await self.get(phrasing_id)

    async def changed_since(self, since: datetime | None) -> PhrasingChanges:
        """Phrasings saved and removed after `since` (every active one when None)."""
        query = select(kb_phrasings).order_by(kb_phrasings.c.updated_at, kb_phrasings.c.id)
        if since is not None:
            query = query.where(kb_phrasings.c.updated_at > since)
        else:
            query = query.where(kb_phrasings.c.removed_at.is_(None))
        saved: list[Phrasing] = []
        removed: list[int] = []
        until: datetime | None = None
        for row in (await self.session.execute(query)).mappings():
            until = row["updated_at"]
            if row["removed_at"] is not None:
                removed.append(int(row["id"]))
            else:
                saved.append(_phrasing(row))
        return PhrasingChanges(saved, removed, until)
