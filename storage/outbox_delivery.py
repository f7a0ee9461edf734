"""Functions for the outbox delivery loop; the worker calls each in its own short transaction.

A claimed row carries a lease (`claimed_until`); when a worker dies mid-send the lease runs out and the row
is claimable again, so nothing is lost (at-least-once delivery). Per-chat order is kept: a row is not
claimed while an older row of the same (channel, bot, chat_id) is still pending or sending.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ARRAY,
    DateTime,
    Integer,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from storage import driver_sql
from storage.sql_literals import word
from storage.tables import outbox
from storage.types import UtcDateTime

Executor = AsyncConnection | AsyncSession
"""A session, or a plain connection (the delivery loop's autocommit statements on PostgreSQL)."""


def _dialect(conn: driver_sql.Statements) -> str:
    return driver_sql.dialect_of(conn).name


LEGACY_WEBHOOK_CHANNEL = "webhook"
"""The channel of webhook rows queued before rows had a kind (migration 0025); no chat channel has it."""


class OutboxKind(StrEnum):
    """What an outbox row carries, which decides who sends it: a chat channel, or the webhook deliverer."""

    CHAT = "chat"  # payload: `dialogue.messages.Outbound.to_dict()`, sent by the (channel, bot) sender
    WEBHOOK = (
        "webhook"  # payload: `storage.webhooks_out.WebhookDelivery.to_payload()`, POSTed to a subscriber
    )

    @classmethod
    def of(cls, stored: str | None, channel: str) -> OutboxKind:
        """The kind of a stored row; a row from before 0025 (NULL) is a webhook when its channel says so.

        An unknown value is not guessed at: it raises `ValueError`, and the loop gives the row up visibly.
        """
        if stored is None:
            return cls.WEBHOOK if channel == LEGACY_WEBHOOK_CHANNEL else cls.CHAT
        return cls(stored)


class OutboxStatus(StrEnum):
    """Where an outgoing message is."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One outgoing message as stored."""

    id: int
    channel: str
    bot: str
    chat_id: str
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    claimed_by: str | None
    claimed_until: datetime | None
    inbound_key: str | None = None  # the update whose turn queued it (None: system work)
    kind: OutboxKind | None = OutboxKind.CHAT  # None: a kind this release does not know (sent by nobody)


def _kind(row: RowMapping) -> OutboxKind | None:
    try:
        return OutboxKind.of(row.get("kind"), row["channel"])
    except ValueError:
        return None


def outbox_row(row: RowMapping) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        channel=row["channel"],
        bot=row["bot"],
        chat_id=row["chat_id"],
        payload=row["payload"],
        status=OutboxStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        last_error=row["last_error"],
        claimed_by=row["claimed_by"],
        claimed_until=row["claimed_until"],
        inbound_key=row.get("inbound_key"),
        kind=_kind(row),
    )


_NOW = bindparam("now", type_=UtcDateTime())
_CLAIM: dict[str, Any] = {}  # dialect -> the claim statement, built (and so compiled and cache-keyed) once


def _claim_stmt(dialect: str) -> Any:
    found = _CLAIM.get(dialect)
    if found is not None:
        return found
    older = aliased(outbox, name="older")
    blocked = exists().where(
        older.c.channel == outbox.c.channel,
        older.c.bot == outbox.c.bot,
        older.c.chat_id == outbox.c.chat_id,
        older.c.id < outbox.c.id,
        # Written into the SQL, not bound (a bound list is expanded at each execution: storage.driver_sql).
        older.c.status.in_([word(OutboxStatus.PENDING), word(OutboxStatus.SENDING)]),
    )
    due = or_(
        and_(outbox.c.status == OutboxStatus.PENDING.value, outbox.c.next_attempt_at <= _NOW),
        # A lease that ran out means the worker died or hung: the row is due again.
        and_(outbox.c.status == OutboxStatus.SENDING.value, outbox.c.claimed_until <= _NOW),
    )
    pick = select(outbox.c.id).where(and_(due, ~blocked)).order_by(outbox.c.id).limit(bindparam("limit"))
    if dialect == "postgresql":
        pick = pick.with_for_update(skip_locked=True, of=outbox)
    found = _CLAIM[dialect] = (
        update(outbox)
        .where(outbox.c.id.in_(pick.scalar_subquery()))
        .values(
            status=OutboxStatus.SENDING.value,
            claimed_by=bindparam("worker"),
            claimed_until=bindparam("until", type_=UtcDateTime()),
            attempts=outbox.c.attempts + 1,
        )
        .returning(*outbox.c)
    )
    return found


async def claim_due(
    session: Executor, *, now: datetime, limit: int, worker_id: str, lease_s: float
) -> list[OutboxRow]:
    """Claim up to `limit` due rows for `worker_id` for `lease_s` seconds; oldest first.

    Each claim counts as an attempt. On PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so
    concurrent workers never claim the same row; on SQLite the single UPDATE statement holds the write lock.
    It is one statement, so it may run outside a transaction (autocommit): it is its own.
    """
    if limit <= 0:
        return []
    params = {"now": now, "limit": limit, "worker": worker_id, "until": now + timedelta(seconds=lease_s)}
    rows = [outbox_row(r) for r in await driver_sql.fetch(session, _claim_stmt(_dialect(session)), params)]
    return sorted(rows, key=lambda r: r.id)


async def extend(session: AsyncSession, ids: list[int], *, worker_id: str, until: datetime) -> None:
    """Extend this worker's leases on rows it is still sending (a heartbeat)."""
    if ids:
        await session.execute(
            update(outbox)
            .where(
                outbox.c.id.in_(ids),
                outbox.c.claimed_by == worker_id,
                outbox.c.status == OutboxStatus.SENDING.value,
            )
            .values(claimed_until=until)
        )


async def mark_sent(session: Executor, id: int, at: datetime) -> None:
    """Record that a row was delivered."""
    await session.execute(
        update(outbox)
        .where(outbox.c.id == id)
        .values(
            status=OutboxStatus.SENT.value, sent_at=at, claimed_by=None, claimed_until=None, last_error=None
        )
    )


# Every row of a batch with the time it was sent, in one statement (PostgreSQL): `mark_sent_many`.
_MARK_SENT_MANY_PG = text(
    "UPDATE outbox SET status = 'sent', sent_at = v.at, claimed_by = NULL, claimed_until = NULL,"
    " last_error = NULL FROM unnest(CAST(:ids AS integer[]), CAST(:ats AS timestamptz[])) AS v(id, at)"
    " WHERE outbox.id = v.id"
).bindparams(bindparam("ids", type_=ARRAY(Integer())), bindparam("ats", type_=ARRAY(DateTime(timezone=True))))


async def mark_sent_many(conn: driver_sql.Statements, sent: list[tuple[int, datetime]]) -> None:
    """`mark_sent` for several rows, each with its own time: one statement on PostgreSQL (so it may run
    outside a transaction), one per row elsewhere."""
    if not sent:
        return
    if _dialect(conn) != "postgresql":
        assert not isinstance(conn, driver_sql.DriverConnection)  # lent on PostgreSQL only
        for id, at in sent:
            await mark_sent(conn, id, at)
        return
    for _, at in sent:
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("naive datetime refused: pass a timezone-aware value, e.g. datetime.now(UTC)")
    await driver_sql.fetch(
        conn, _MARK_SENT_MANY_PG, {"ids": [id for id, _ in sent], "ats": [at for _, at in sent]}
    )


async def mark_retry(
    session: AsyncSession, id: int, *, at: datetime, next_attempt_at: datetime, error: str
) -> None:
    """Put a row back in the queue after a failed attempt, due again at `next_attempt_at`.

    `at` is when the attempt failed; the row keeps only the error, `at` is accepted for a uniform API.
    """
    await session.execute(
        update(outbox)
        .where(outbox.c.id == id)
        .values(
            status=OutboxStatus.PENDING.value,
            next_attempt_at=next_attempt_at,
            last_error=error[:2000],
            claimed_by=None,
            claimed_until=None,
        )
    )


async def mark_failed(session: AsyncSession, id: int, *, at: datetime, error: str) -> None:
    """Give up on a row; it no longer holds back later messages of its chat."""
    await session.execute(
        update(outbox)
        .where(outbox.c.id == id)
        .values(
            status=OutboxStatus.FAILED.value, last_error=error[:2000], claimed_by=None, claimed_until=None
        )
    )


async def list_for_chat(
    session: AsyncSession, channel: str, bot: str, chat_id: str, after_id: int = 0, limit: int = 200
) -> list[OutboxRow]:
    """Rows of one chat with id greater than `after_id`, oldest first (for chat history and polling)."""
    stmt = (
        select(outbox)
        .where(
            outbox.c.channel == channel,
            outbox.c.bot == bot,
            outbox.c.chat_id == chat_id,
            outbox.c.id > after_id,
        )
        .order_by(outbox.c.id)
        .limit(limit)
    )
    return [outbox_row(r) for r in (await session.execute(stmt)).mappings()]


async def counts(session: AsyncSession, now: datetime) -> dict[str, Any]:
    """How many rows wait to be sent, how many failed, and the age in seconds of the oldest waiting one."""
    waiting = [OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]
    rows = (
        await session.execute(
            select(outbox.c.status, func.count(), func.min(outbox.c.created_at))
            .where(outbox.c.status.in_([*waiting, OutboxStatus.FAILED.value]))
            .group_by(outbox.c.status)
        )
    ).all()
    pending = sum(int(count) for status, count, _ in rows if status in waiting)
    failed = sum(int(count) for status, count, _ in rows if status == OutboxStatus.FAILED.value)
    oldest = min((at for status, _, at in rows if status in waiting and at is not None), default=None)
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    return {"pending": pending, "failed": failed, "oldest_pending_s": round(max(age, 0.0), 1)}


async def get_rows(session: AsyncSession, ids: Collection[int]) -> list[OutboxRow]:
    """The rows with these ids that exist, oldest first (to check ids an admin typed before acting on them)."""
    if not ids:
        return []
    stmt = select(outbox).where(outbox.c.id.in_(list(ids))).order_by(outbox.c.id)
    return [outbox_row(r) for r in (await session.execute(stmt)).mappings()]


async def list_by_status(
    session: AsyncSession,
    status: OutboxStatus | Collection[OutboxStatus],
    *,
    limit: int = 100,
    before_id: int | None = None,
) -> list[OutboxRow]:
    """Rows in `status` (one or several), newest first (the admin's undelivered list); page with `before_id`."""
    wanted = [status] if isinstance(status, OutboxStatus) else list(status)
    stmt = select(outbox).where(outbox.c.status.in_([s.value for s in wanted]))
    if before_id is not None:
        stmt = stmt.where(outbox.c.id < before_id)
    stmt = stmt.order_by(outbox.c.id.desc()).limit(limit)
    return [outbox_row(r) for r in (await session.execute(stmt)).mappings()]


def _retried(at: datetime) -> dict[str, Any]:
    # A fresh start: the delivery loop counts attempts from 0 again (its fast retries and alerts follow them).
    return {
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": at,
        "claimed_by": None,
        "claimed_until": None,
    }


async def retry(session: AsyncSession, ids: Collection[int], *, at: datetime) -> list[int]:
    """Queue failed rows again (pending, attempts 0, due at `at`); return the ids that were failed and are now.

    Rows in any other status are left alone, so a row another admin already retried is not touched twice.
    The last error is kept until the next attempt replaces it.
    """
    if not ids:
        return []
    result = await session.execute(
        update(outbox)
        .where(outbox.c.id.in_(list(ids)), outbox.c.status == OutboxStatus.FAILED.value)
        .values(**_retried(at))
        .returning(outbox.c.id)
    )
    return sorted(int(r[0]) for r in result.all())


async def retry_all_failed(session: AsyncSession, *, at: datetime) -> list[int]:
    """Queue every failed row again, as `retry` does; return their ids."""
    result = await session.execute(
        update(outbox)
        .where(outbox.c.status == OutboxStatus.FAILED.value)
        .values(**_retried(at))
        .returning(outbox.c.id)
    )
    return sorted(int(r[0]) for r in result.all())
