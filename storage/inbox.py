"""SQL of the durable inbox (`storage.inbox_tables.inbox`); the caller runs each function in a short transaction.

A message is recorded once (`record`, deduplicated on the platform's id) before the platform is answered.
A handler claims the oldest pending row of a chat with a lease (`claim`); while an older row of the same
chat is pending, newer ones wait, so one chat's messages are handled in arrival order whichever process
holds them. A claim whose lease runs out (its process died or hung) is claimable again. Handling ends in
`mark_done`, `mark_retry` or `mark_dead`; dead letters stay for admins (`list_rows`, `replay`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    null,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.orm import aliased

from storage import driver_sql
from storage.inbox_admin import Executor, InboxRow, InboxStatus, row_of
from storage.inbox_tables import inbox
from storage.repositories._sql import dialect_insert
from storage.sql_literals import word
from storage.types import UtcDateTime

_BUILT: dict[tuple[str, str], Any] = {}
_NOW = bindparam("now", type_=UtcDateTime())
_DUE = bindparam("due", type_=UtcDateTime())  # `now`, or earlier for a loop that is only the net
_PENDING_SQL: Any = word(InboxStatus.PENDING)


def _dialect(conn: driver_sql.Statements) -> str:
    return driver_sql.dialect_of(conn).name


def _built(conn: driver_sql.Statements, name: str, build: Any) -> Any:
    """The statement `build(dialect)` makes, built (and so compiled and cache-keyed) once per dialect."""
    key = (name, _dialect(conn))
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = build(key[1])
    return found


def _record_stmt(dialect: str) -> Any:
    return (
        dialect_insert(dialect, inbox)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(inbox.c.id)
    )


def _chat_lock_stmt(_dialect: str) -> Any:
    return select(func.pg_advisory_xact_lock(func.hashtext(bindparam("chat"))))


async def _take_chat_turn(conn: Executor, chat: str) -> None:
    """On PostgreSQL, wait for the chat's advisory lock (held to the end of the transaction): the recorders of
    one chat take turns. SQLite's writers take turns anyway."""
    if _dialect(conn) == "postgresql":
        await conn.execute(_built(conn, "chat_lock", _chat_lock_stmt), {"chat": chat})


async def record(
    conn: Executor, *, dedup_key: str, chat: str, payload: dict[str, Any], at: datetime
) -> int | None:
    """Record one inbound message; return its row id, or None when it was recorded before (a repeat).

    On PostgreSQL the transaction first takes the chat's advisory lock, so the recorders of one chat take
    turns: a row's id is then in commit order, and no claim can see a newer row of the chat while an
    older one is still uncommitted (SQLite's writers take turns anyway).
    """
    await _take_chat_turn(conn, chat)
    values = {
        "dedup_key": dedup_key,
        "chat_key": chat,
        "payload": payload,
        "status": InboxStatus.PENDING.value,
        "attempts": 0,
        "received_at": at,
        "next_attempt_at": at,
        "notified": False,
    }
    result = await conn.execute(_built(conn, "record", _record_stmt), values)
    return result.scalar_one_or_none()


def _record_claimed_stmt(after_mine: bool) -> Any:
    """Insert a row already claimed by the recorder when nothing older of its chat is pending (one
    statement instead of an insert and a claim); `after_mine`: nothing older is pending but rows the
    recorder holds (claimed, lease alive), which it handles first. SQLite's form: its writers take turns, so
    the statement sees every older row of the chat. PostgreSQL runs the same rule in `helpdesk_inbox_record`
    after the chat's advisory lock (migration 0020)."""

    def build(dialect: str) -> Any:
        older = aliased(inbox, name="older")
        waiting = and_(older.c.chat_key == bindparam("chat_key"), older.c.status == _PENDING_SQL)
        if after_mine:
            not_held = or_(
                older.c.claimed_by.is_(None),
                older.c.claimed_by != bindparam("worker"),
                older.c.claimed_until.is_(None),
                older.c.claimed_until <= bindparam("at", type_=UtcDateTime()),
            )
            waiting = and_(waiting, not_held)
        return _insert_claimed(dialect, waiting)

    return build


_RECORD_CLAIMED = {mine: _record_claimed_stmt(after_mine=mine) for mine in (False, True)}


def _insert_claimed(dialect: str, waiting: Any) -> Any:
    blocked = select(exists().where(waiting).label("b")).subquery("blocked").c.b
    free = ~blocked
    row = select(
        bindparam("dedup_key"),
        bindparam("chat_key"),
        bindparam("payload", type_=inbox.c.payload.type),
        _PENDING_SQL,
        case((free, 1), else_=0),
        bindparam("at", type_=UtcDateTime()),
        bindparam("at", type_=UtcDateTime()),
        false(),
        case((free, bindparam("worker")), else_=null()),
        case((free, bindparam("until", type_=UtcDateTime())), else_=null()),
    ).where(true())  # SQLite reads ON CONFLICT after INSERT ... SELECT only after a WHERE
    columns = [
        "dedup_key",
        "chat_key",
        "payload",
        "status",
        "attempts",
        "received_at",
        "next_attempt_at",
        "notified",
        "claimed_by",
        "claimed_until",
    ]
    return (
        dialect_insert(dialect, inbox)
        .from_select(columns, row)
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(*inbox.c)
    )


async def record_and_claim(
    conn: driver_sql.Statements,
    *,
    dedup_key: str,
    chat: str,
    payload: dict[str, Any],
    at: datetime,
    worker_id: str,
    lease_s: float,
    then_claim: bool = True,
    after_mine: bool = False,
) -> tuple[int | None, InboxRow | None]:
    """`record`, and (with `then_claim`) claim the new row at once when it is its chat's oldest pending one
    (with `after_mine`: when every older pending row of the chat is claimed by `worker_id`, who handles
    them first). Returns the new row's id and the claim (None when the chat has an older row waiting
    elsewhere: the loop takes the chat in order).

    On PostgreSQL it is one statement (`helpdesk_inbox_record`, migration 0020) that takes the chat's
    advisory lock first, so it may run outside a transaction: the lock is then held to the statement's end.
    """
    params = {
        "dedup_key": dedup_key,
        "chat_key": chat,
        "payload": payload,
        "at": at,
        "worker": worker_id,
        "until": at + timedelta(seconds=lease_s),
    }
    if _dialect(conn) == "postgresql":
        # The chat's lock and the insert in one call: outside a transaction, one round trip.
        params |= {"claim": then_claim, "after_mine": after_mine}
        stmt = _built(conn, "record_fn", _record_fn_stmt)
    elif not then_claim:
        assert not isinstance(conn, driver_sql.DriverConnection)  # lent on PostgreSQL only
        return await record(conn, dedup_key=dedup_key, chat=chat, payload=payload, at=at), None
    else:  # SQLite's writers take turns anyway: no lock, one statement
        stmt = _built(
            conn, "record_after_mine" if after_mine else "record_claimed", _RECORD_CLAIMED[after_mine]
        )
    found = await driver_sql.fetch(conn, stmt, params)
    if not found:
        return None, None
    new = row_of(found[0])
    return new.id, new if new.claimed_by == worker_id else None


def _record_fn_stmt(_dialect: str) -> Any:
    """PostgreSQL's `helpdesk_inbox_record` (migration 0020): the chat's advisory lock, then the same insert
    as `_record_claimed_stmt` in a statement of its own, so that it sees every older row of the chat."""
    return (
        text(
            "SELECT * FROM helpdesk_inbox_record(:dedup_key, :chat_key, :payload, :at, :worker, :until,"
            " :claim, :after_mine)"
        )
        .bindparams(
            bindparam("payload", type_=inbox.c.payload.type),
            bindparam("at", type_=UtcDateTime()),
            bindparam("until", type_=UtcDateTime()),
        )
        .columns(*inbox.c)
    )


def _claim_stmt(by_chat: bool) -> Any:
    def build(dialect: str) -> Any:
        # 'pending' is written into the SQL, not bound: a bound status would keep PostgreSQL's generic plan
        # of this prepared statement off the partial indexes (status = 'pending'), and it would scan every
        # handled row of the table.
        older = aliased(inbox, name="older")
        blocked = exists().where(
            older.c.chat_key == inbox.c.chat_key, older.c.id < inbox.c.id, older.c.status == _PENDING_SQL
        )
        free = or_(inbox.c.claimed_until.is_(None), inbox.c.claimed_until <= _NOW)
        due = and_(inbox.c.status == _PENDING_SQL, inbox.c.next_attempt_at <= _DUE, free, ~blocked)
        if by_chat:
            due = and_(due, inbox.c.chat_key == bindparam("chat"))
        pick = select(inbox.c.id).where(due).order_by(inbox.c.id).limit(bindparam("limit"))
        if dialect == "postgresql":
            pick = pick.with_for_update(skip_locked=True, of=inbox)
        return (
            update(inbox)
            .where(inbox.c.id.in_(pick.scalar_subquery()))
            .values(
                claimed_by=bindparam("worker"),
                claimed_until=bindparam("until", type_=UtcDateTime()),
                attempts=inbox.c.attempts + 1,
            )
            .returning(*inbox.c)
        )

    return build


_CLAIM_ANY = _claim_stmt(by_chat=False)
_CLAIM_CHAT = _claim_stmt(by_chat=True)


async def claim(
    conn: driver_sql.Statements,
    *,
    now: datetime,
    worker_id: str,
    lease_s: float,
    limit: int = 1,
    chat: str | None = None,
    due_before: datetime | None = None,
) -> list[InboxRow]:
    """Claim up to `limit` due rows for `lease_s` seconds, at most one per chat, oldest first.

    With `chat`, only that chat's oldest pending row can be claimed. With `due_before`, only rows due by then
    (a worker's loop, the net for what the web processes did not take, see `Inbox.run`). Each claim counts as
    an attempt. On PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED, so two processes never claim
    the same row; on SQLite the single UPDATE holds the write lock.
    """
    if limit <= 0:
        return []
    params = {
        "now": now,
        "due": now if due_before is None else min(now, due_before),
        "until": now + timedelta(seconds=lease_s),
        "worker": worker_id,
        "limit": limit,
    }
    if chat is None:
        stmt = _built(conn, "claim", _CLAIM_ANY)
    else:
        stmt, params["chat"] = _built(conn, "claim_chat", _CLAIM_CHAT), chat
    rows = [row_of(r) for r in await driver_sql.fetch(conn, stmt, params)]
    return sorted(rows, key=lambda r: r.id)


async def extend(session: Executor, ids: list[int], *, worker_id: str, until: datetime) -> None:
    """Extend this worker's leases on `ids` (a heartbeat while they are being handled).

    On PostgreSQL a row locked right now is skipped: its turn is marking it done in its own transaction.
    Waiting for it would hold the locks of the rows updated so far, and every turn marking one of those
    would queue behind this heartbeat (a convoy that slowed a busy process to half its rate).
    """
    if not ids:
        return
    mine = and_(inbox.c.id.in_(ids), inbox.c.claimed_by == worker_id)
    if _dialect(session) == "postgresql":
        free = select(inbox.c.id).where(mine).with_for_update(skip_locked=True)
        stmt = update(inbox).where(inbox.c.id.in_(free.scalar_subquery()))
    else:
        stmt = update(inbox).where(mine)
    await session.execute(stmt.values(claimed_until=until))


def _done_stmt(_dialect: str) -> Any:
    return (
        update(inbox)
        .where(inbox.c.id == bindparam("row"))
        .values(
            status=InboxStatus.DONE.value,
            done_at=bindparam("at", type_=UtcDateTime()),
            claimed_by=None,
            claimed_until=None,
            last_error=None,
        )
    )


async def mark_done(conn: Executor, id: int, at: datetime) -> None:
    """Record that a row was handled (its replies are in the outbox, or it was a repeat)."""
    await conn.execute(_built(conn, "done", _done_stmt), {"row": id, "at": at})


def _claim_next_fn_stmt(_dialect: str) -> Any:
    """PostgreSQL's `helpdesk_inbox_claim_next` (migration 0033): the chat's advisory lock, then the optional
    mark and the claim, each a statement of its own that sees every row of the chat committed before."""
    return (
        text("SELECT * FROM helpdesk_inbox_claim_next(:chat, :worker, :at, :until, :done)")
        .bindparams(
            bindparam("at", type_=UtcDateTime()),
            bindparam("until", type_=UtcDateTime()),
            bindparam("done", type_=inbox.c.id.type),
        )
        .columns(*inbox.c)
    )


async def mark_done_and_claim_next(
    conn: driver_sql.Statements, id: int | None, *, chat: str, at: datetime, worker_id: str, lease_s: float
) -> InboxRow | None:
    """`mark_done` (unless `id` is None: the turn marked it), then claim the chat's next due row in the same
    transaction: the end of every turn that may have a next row it does not hold yet.

    On PostgreSQL this first takes the chat's advisory lock, the one a recorder takes (`record_and_claim`),
    and holds it to the end of the caller's transaction. So a row another process records of this chat is
    either committed before (and claimed here: it waits behind the row this turn handled, and its recorder
    could not claim it) or recorded after this transaction commits (and then claimed by its recorder, the
    chat being free). Either way nobody has to be told, and no loop has to find it. SQLite's writers take
    turns anyway.
    """
    if _dialect(conn) == "postgresql":
        params = {
            "chat": chat,
            "worker": worker_id,
            "at": at,
            "until": at + timedelta(seconds=lease_s),
            "done": id,
        }
        found = await driver_sql.fetch(conn, _built(conn, "claim_next_fn", _claim_next_fn_stmt), params)
        return row_of(found[0]) if found else None
    if id is not None:
        assert not isinstance(conn, driver_sql.DriverConnection)  # lent on PostgreSQL only
        await mark_done(conn, id, at)
    rows = await claim(conn, now=at, worker_id=worker_id, lease_s=lease_s, chat=chat)
    return rows[0] if rows else None


async def mark_retry(session: Executor, id: int, *, next_attempt_at: datetime, error: str) -> None:
    """Put a row back after a failed attempt; it (and so its chat) is due again at `next_attempt_at`."""
    await session.execute(
        update(inbox)
        .where(inbox.c.id == id)
        .values(next_attempt_at=next_attempt_at, last_error=error[:2000], claimed_by=None, claimed_until=None)
    )


async def mark_dead(session: Executor, id: int, *, at: datetime, error: str) -> None:
    """Park a row that kept failing; it no longer holds back later messages of its chat."""
    await session.execute(
        update(inbox)
        .where(inbox.c.id == id)
        .values(
            status=InboxStatus.DEAD.value,
            done_at=at,
            last_error=error[:2000],
            claimed_by=None,
            claimed_until=None,
        )
    )


async def take_notice(session: Executor, id: int) -> bool:
    """Take the telling of a dead letter's sender: True for exactly one caller, until `return_notice`."""
    result = await session.execute(
        update(inbox)
        .where(inbox.c.id == id, inbox.c.notified.is_(False))
        .values(notified=True)
        .returning(inbox.c.id)
    )
    return result.first() is not None


async def return_notice(session: Executor, id: int) -> None:
    """Give the telling back (it failed), so that a later tick tries again."""
    await session.execute(update(inbox).where(inbox.c.id == id).values(notified=False))


async def unclaim(conn: Executor, ids: list[int], *, worker_id: str) -> None:
    """Give back claims on rows that were never tried (their chat's older row failed and comes first)."""
    if ids:
        await conn.execute(
            update(inbox)
            .where(inbox.c.id.in_(ids), inbox.c.claimed_by == worker_id)
            .values(claimed_by=None, claimed_until=None, attempts=inbox.c.attempts - 1)
        )


async def release(session: Executor, worker_id: str) -> None:
    """Give up this worker's claims at once (a clean shutdown), so another process need not wait."""
    await session.execute(
        update(inbox)
        .where(inbox.c.claimed_by == worker_id, inbox.c.status == InboxStatus.PENDING.value)
        .values(claimed_by=None, claimed_until=None)
    )
