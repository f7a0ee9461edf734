"""Web chat history in the database, so it survives restarts and is shared by the web and worker processes.

Implements `bots.webchat.history.WebChatHistory` structurally (storage does not import bots). The row id is
the sequence number: it only grows, per chat as well as overall.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables import webchat_messages as wm

MAX_LIMIT = 500


class SqlWebChatHistory:
    """Appends and reads web chat messages, each call in its own short transaction."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def append(self, bot: Any, chat_id: str, message: dict[str, Any]) -> int:
        """Store a message and return its sequence number."""
        async with self.sessions() as session, session.begin():
            result = await session.execute(
                insert(wm)
                .values(bot=str(bot), chat_id=chat_id, message=message, at=datetime.now(UTC))
                .returning(wm.c.id)
            )
            return int(result.scalar_one())

    async def list_after(self, bot: Any, chat_id: str, seq: int, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` messages of the chat with a sequence number above `seq`, oldest first."""
        if limit <= 0:
            return []
        async with self.sessions() as session:
            rows = await session.execute(
                select(wm.c.id, wm.c.message)
                .where(wm.c.bot == str(bot), wm.c.chat_id == chat_id, wm.c.id > seq)
                .order_by(wm.c.id)
                .limit(min(limit, MAX_LIMIT))
            )
            return [{**dict(row.message), "seq": int(row.id)} for row in rows]
