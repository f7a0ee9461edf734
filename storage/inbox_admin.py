"""The durable inbox as admins and health checks see it: its rows, one by id or by status, counts, the
replay of dead letters and the pruning of handled rows. The hot path (record, claim, mark) is
`storage.inbox`; both work on `storage.inbox_tables.inbox`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.inbox_tables import inbox


class InboxStatus(StrEnum):
    """Where an inbound message is."""

    PENDING = "pending"  # waiting, being handled (claimed_until in the future) or waiting for a retry
    DONE = "done"  # handled: its replies are in the outbox
    DEAD = "dead"  # kept failing: parked for an admin to look at and replay


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One recorded inbound message."""

    id: int
    dedup_key: str
    chat_key: str
    payload: dict[str, Any]
    status: InboxStatus
    attempts: int
    received_at: datetime
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    done_at: datetime | None
    last_error: str | None
    notified: bool


def row_of(row: RowMapping) -> InboxRow:
    """The row as an `InboxRow`."""
    return InboxRow(
        id=row["id"],
        dedup_key=row["dedup_key"],
        chat_key=row["chat_key"],
        payload=row["payload"],
        status=InboxStatus(row["status"]),
        attempts=row["attempts"],
        received_at=row["received_at"],
        next_attempt_at=row["next_attempt_at"],
        claimed_by=row["claimed_by"],
        claimed_until=row["claimed_until"],
        done_at=row["done_at"],
        last_error=row["last_error"],
        notified=bool(row["notified"]),
    )


def chat_key(channel: str, bot: str, chat_id: str) -> str:
    """The key that orders one chat's messages: "<channel>:<bot>:<chat_id>"."""
    return f"{channel}:{bot}:{chat_id}"


Executor = AsyncConnection | AsyncSession
"""The inbox functions run on a plain connection (the hot path: no ORM session) or on a session."""


async def get(session: Executor, id: int) -> InboxRow | None:
    """One row by id."""
    row = (await session.execute(select(inbox).where(inbox.c.id == id))).mappings().first()
    return row_of(row) if row is not None else None


async def list_rows(
    session: Executor, status: InboxStatus, *, limit: int = 100, before_id: int | None = None
) -> list[InboxRow]:
    """Rows in `status`, newest first (the admin's dead-letter list); page with `before_id`."""
    stmt = select(inbox).where(inbox.c.status == status.value)
    if before_id is not None:
        stmt = stmt.where(inbox.c.id < before_id)
    stmt = stmt.order_by(inbox.c.id.desc()).limit(limit)
    return [row_of(r) for r in (await session.execute(stmt)).mappings()]


async def list_unnotified_dead(conn: Executor, *, limit: int = 20) -> list[InboxRow]:
    """Dead letters whose sender has not been told yet (the notice failed or its process died)."""
    stmt = (
        select(inbox)
        .where(inbox.c.status == InboxStatus.DEAD.value, inbox.c.notified.is_(False))
        .order_by(inbox.c.id)
        .limit(limit)
    )
    return [row_of(r) for r in (await conn.execute(stmt)).mappings()]


async def replay(session: Executor, ids: list[int], *, at: datetime) -> int:
    """Queue dead letters again (after the cause was fixed); return how many were dead and are pending now."""
    if not ids:
        return 0
    result = await session.execute(
        update(inbox)
        .where(inbox.c.id.in_(ids), inbox.c.status == InboxStatus.DEAD.value)
        .values(
            status=InboxStatus.PENDING.value,
            attempts=0,
            next_attempt_at=at,
            done_at=None,
            claimed_by=None,
            claimed_until=None,
        )
        .returning(inbox.c.id)
    )
    return len(result.all())


async def counts(session: Executor, now: datetime) -> dict[str, Any]:
    """How many rows wait, how many are dead, and the age in seconds of the oldest waiting one (health)."""
    rows = (
        await session.execute(
            select(inbox.c.status, func.count(), func.min(inbox.c.received_at))
            .where(inbox.c.status.in_([InboxStatus.PENDING.value, InboxStatus.DEAD.value]))
            .group_by(inbox.c.status)
        )
    ).all()
    found = {status: (count, oldest) for status, count, oldest in rows}
    pending, oldest = found.get(InboxStatus.PENDING.value, (0, None))
    dead, _ = found.get(InboxStatus.DEAD.value, (0, None))
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return {"pending": int(pending), "dead": int(dead), "oldest_pending_s": round(max(age, 0.0), 1)}


async def prune(session: Executor, *, before: datetime, limit: int = 5000) -> int:
    """Delete handled rows finished before `before` (the inbound log keeps their dedup keys); return how many."""
    pick = (
        select(inbox.c.id)
        .where(inbox.c.status == InboxStatus.DONE.value, inbox.c.done_at < before)
        .limit(limit)
    )
    result = await session.execute(delete(inbox).where(inbox.c.id.in_(pick.scalar_subquery())))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
