"""`SqlCommentRepository`: notes on tickets."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories.tickets import attachment_from_dict, attachment_to_dict
from storage.tables import comments
from ticket_core.enums import Visibility
from ticket_core.events import actor_from_dict, actor_to_dict
from ticket_core.model import Comment

_INSERT = comments.insert()  # built once (#19: building a statement costs more than running it)


def _comment(row: RowMapping) -> Comment:
    return Comment(
        id=row["id"],
        ticket_id=row["ticket_id"],
        author=actor_from_dict(row["author"]),
        text=row["text"],
        visibility=Visibility(row["visibility"]),
        created_at=row["created_at"],
        attachments=tuple(attachment_from_dict(a) for a in row["attachments"] or []),
    )


class SqlCommentRepository:
    """Comments in SQL; implements `ticket_core.ports.CommentRepository`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, comment: Comment) -> None:
        """Insert a comment."""
        await self.session.execute(
            _INSERT,
            {
                "id": comment.id,
                "ticket_id": comment.ticket_id,
                "author": actor_to_dict(comment.author),
                "text": comment.text,
                "visibility": str(comment.visibility),
                "created_at": comment.created_at,
                "attachments": [attachment_to_dict(a) for a in comment.attachments],
            },
        )

    async def list_for_ticket(self, ticket_id: str, include_internal: bool) -> list[Comment]:
        """Comments of a ticket, oldest first; internal ones only when asked."""
        stmt = select(comments).where(comments.c.ticket_id == ticket_id)
        if not include_internal:
            stmt = stmt.where(comments.c.visibility == str(Visibility.PUBLIC))
        stmt = stmt.order_by(comments.c.created_at, comments.c.id)
        return [_comment(row) for row in (await self.session.execute(stmt)).mappings()]
