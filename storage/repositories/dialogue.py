"""SQL implementations of the dialogue ports: outbox, inbound dedup, conversation state, interactions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories._sql import json_safe, upsert_insert
from storage.tables import conversations, inbound_log, interactions, outbox

PENDING = "pending"


class SqlOutbox:
    """Queues outgoing messages in the same transaction as the change that caused them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        channel: str,
        bot: str,
        chat_id: str,
        payload: dict[str, Any],
        at: datetime,
        inbound_key: str | None = None,
    ) -> None:
        """Queue one outgoing message, due at once; `inbound_key` names the message that caused it."""
        await self.session.execute(
            outbox.insert().values(
                channel=channel,
                bot=bot,
                chat_id=chat_id,
                payload=json_safe(payload),
                status=PENDING,
                attempts=0,
                next_attempt_at=at,
                created_at=at,
                inbound_key=inbound_key,
            )
        )


class SqlInboundLog:
    """Platform update ids already handled."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, dedup_key: str, at: datetime) -> bool:
        """Record `dedup_key`; return False when it was recorded before.

        ON CONFLICT DO NOTHING instead of catching the key violation: on PostgreSQL a failed INSERT
        would abort the whole transaction.
        """
        stmt = (
            upsert_insert(self.session, inbound_log)
            .values(dedup_key=dedup_key, at=at)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(inbound_log.c.dedup_key)
        )
        return (await self.session.execute(stmt)).first() is not None


class SqlConversationStore:
    """Per-chat conversation state as JSON rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, key: str) -> dict[str, Any] | None:
        """Return the state of a conversation, or None."""
        stmt = select(conversations.c.state).where(conversations.c.key == key)
        state = (await self.session.execute(stmt)).scalar_one_or_none()
        return dict(state) if state is not None else None

    async def save(self, key: str, state: dict[str, Any], at: datetime) -> None:
        """Create or replace the state of a conversation."""
        safe = json_safe(state)
        stmt = upsert_insert(self.session, conversations).values(key=key, state=safe, updated_at=at)
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=["key"], set_={"state": safe, "updated_at": at})
        )

    async def clear(self, key: str) -> None:
        """Forget a conversation."""
        await self.session.execute(delete(conversations).where(conversations.c.key == key))


class SqlInteractionLog:
    """Requests handled outside tickets (KB answers, deflections), for reports."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        kind: str,
        at: datetime,
        *,
        contact_id: str | None = None,
        channel: str | None = None,
        query: str | None = None,
        article_id: str | None = None,
        ticket_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Record one interaction."""
        await self.session.execute(
            interactions.insert().values(
                kind=kind,
                at=at,
                contact_id=contact_id,
                channel=channel,
                query=query,
                article_id=article_id,
                ticket_id=ticket_id,
                data=json_safe(data) if data is not None else None,
            )
        )
