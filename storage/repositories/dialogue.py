"""SQL implementations of the dialogue ports: outbox, inbound dedup, conversation state, interactions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Executable, bindparam, cast, literal_column, null, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import driver_sql
from storage import inbox as inbox_sql
from storage.inbox_admin import InboxRow, InboxStatus
from storage.inbox_tables import inbox
from storage.outbox_delivery import OutboxRow, outbox_row
from storage.outbox_direct import DirectClaim, claim_on_insert
from storage.repositories._sql import dialect_insert, dialect_name, json_safe, statement
from storage.sql_literals import word
from storage.tables import conversations, inbound_log, interactions, outbox

PENDING = "pending"
CHAT = "chat"  # storage.outbox_delivery.OutboxKind.CHAT: this port queues chat messages only

# Built once (see storage.repositories._sql.statement): these run on every client message.
_ADD_OUTBOX = outbox.insert()
_LOAD_STATE = select(conversations.c.state).where(conversations.c.key == bindparam("key"))
# A cleared state keeps its row (JSON null) and so its version: a chat's versions only grow (migration 0034).
_CLEAR_STATE = (
    update(conversations)
    .where(conversations.c.key == bindparam("conversation"))
    .values(state=bindparam("cleared", type_=conversations.c.state.type), version=conversations.c.version + 1)
    .returning(conversations.c.version)
)
_ADD_INTERACTION = interactions.insert()
# Lost-request reports read this flag instead of searching the outbox for every inbound message.
_MARK_ANSWERED = (
    update(inbound_log)
    .where(inbound_log.c.dedup_key == bindparam("key"), inbound_log.c.answered.is_(False))
    .values(answered=True)
)


def _inbox_done(which: Any, at: str) -> Any:
    """The UPDATE that marks the pending inbox row(s) `which` selects done at the parameter `at`."""
    return (
        update(inbox)
        .where(which, inbox.c.status == word(InboxStatus.PENDING))
        .values(status="done", done_at=bindparam(at), claimed_by=None, claimed_until=None, last_error=None)
    )


_INBOX_DONE = _inbox_done(inbox.c.dedup_key == bindparam("key"), "done")


def _first_time(dialect: str) -> Executable:
    logged = (
        dialect_insert(dialect, inbound_log)
        # Named apart from the columns: a statement's parameters named like a column of the UPDATE below
        # would be taken as values to SET.
        .values(dedup_key=bindparam("logged_key"), at=bindparam("logged_at"))
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(inbound_log.c.dedup_key)
    )
    if dialect != "postgresql":
        return logged
    # PostgreSQL marks the inbox row done in the same statement (a data-modifying WITH): one round trip.
    first = logged.cte("first")
    done = (
        _inbox_done(inbox.c.dedup_key.in_(select(first.c.dedup_key)), "logged_at")
        .returning(inbox.c.id)
        .cte("done")
    )
    return select(first.c.dedup_key).add_cte(done)


_ONE_STATEMENT_ROWS = 8  # a turn's replies are a few; more go as a batch and an UPDATE
_OUTBOX_COLUMNS = (
    "channel",
    "bot",
    "chat_id",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "kind",
)


# A row this process does not send, beside rows it claims in one statement: no owner, no lease.
_NO_OWNER = cast(null(), outbox.c.claimed_by.type)
_NO_LEASE = cast(null(), outbox.c.claimed_until.type)


def _add_answering(count: int, claims: tuple[bool, ...] = ()) -> Executable:
    """PostgreSQL: queue `count` outgoing messages (in order: ids ascend) and mark the inbound message `key`
    answered, in one statement. Row i's values are the outbox's columns suffixed `_i`. Where `claims[i]`, row
    i is claimed for the process as it is queued, when its chat has nothing older waiting
    (`storage.outbox_direct.claim_on_insert`; the parameters `owner` and `until`); the statement then answers
    the rows' columns, else their ids.

    One row is an INSERT ... VALUES; several, or a claim, an INSERT ... SELECT of one SELECT per row, ordered,
    so the ids follow the rows. Not a multi-row VALUES: SQLAlchemy cannot cache those (no cache key), and
    every message compiled this statement afresh, about a tenth of the app's CPU on the KB-answer path.

    No parameter may be named like a column of inbound_log, or the UPDATE would SET it."""
    claims = claims if any(claims) else ()
    found = _ADD_ANSWERING.get((count, claims))
    if found is None:
        rows = [
            {name: bindparam(f"{name}_{i}", type_=outbox.c[name].type) for name in _OUTBOX_COLUMNS}
            for i in range(count)
        ]
        key = bindparam("key", type_=outbox.c.inbound_key.type)
        names = [*_OUTBOX_COLUMNS, *(("claimed_by", "claimed_until") if claims else ())]
        if count == 1 and not claims:
            insert = outbox.insert().values({**rows[0], "inbound_key": key})
        else:
            selects = []
            for i, row in enumerate(rows):
                values: dict[str, Any] = dict(row)
                source = None
                if claims and claims[i]:
                    source, claimed = claim_on_insert(row, i)
                    values.update(claimed)
                elif claims:
                    values.update(claimed_by=_NO_OWNER, claimed_until=_NO_LEASE)
                each = select(*(values[n].label(n) for n in names), literal_column(str(i)).label("n"))
                selects.append(each.select_from(source) if source is not None else each)
            replies = (union_all(*selects) if count > 1 else selects[0]).subquery("replies")
            ordered = select(*(replies.c[n] for n in names), key).order_by(replies.c.n)
            insert = outbox.insert().from_select([*names, "inbound_key"], ordered)
        added = insert.returning(*(outbox.c if claims else (outbox.c.id,))).cte("added")
        # The UPDATE runs though nothing reads it (PostgreSQL runs every data-modifying WITH once); the
        # statement answers the rows, for those a process sends itself (storage.outbox_direct).
        answered = _MARK_ANSWERED.cte("answered")
        found = _ADD_ANSWERING[(count, claims)] = select(*added.c).add_cte(answered)
    return found


_ADD_ANSWERING: dict[tuple[int, tuple[bool, ...]], Executable] = {}


def _save_state(dialect: str) -> Executable:
    stmt = dialect_insert(dialect, conversations)
    return stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "state": stmt.excluded.state,
            "updated_at": stmt.excluded.updated_at,
            "version": conversations.c.version + 1,
        },
    ).returning(conversations.c.version)


class SqlOutbox:
    """Queues outgoing messages in the same transaction as the change that caused them."""

    def __init__(self, session: AsyncSession, direct: DirectClaim | None = None) -> None:
        self.session = session
        self.direct = direct
        self.queued = False  # rows were added in this transaction (the unit rings the outbox bell on commit)
        self.claimed: list[OutboxRow] = []  # rows this process sends itself after the commit (`direct`)

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
        await self.add_many([(channel, bot, chat_id, payload)], at, inbound_key)

    async def add_many(
        self,
        messages: Sequence[tuple[str, str, str, dict[str, Any]]],
        at: datetime,
        inbound_key: str | None = None,
    ) -> None:
        """Queue (channel, bot, chat_id, payload) messages in one round trip, in order (ids ascend)."""
        if not messages:
            return
        rows = [_outbox_row(ch, bot, chat, payload, at, inbound_key) for ch, bot, chat, payload in messages]
        if (
            inbound_key is not None
            and len(rows) <= _ONE_STATEMENT_ROWS
            and dialect_name(self.session) == "postgresql"
        ):
            params: dict[str, Any] = {"key": inbound_key}
            for i, row in enumerate(rows):
                params.update({f"{name}_{i}": row[name] for name in _OUTBOX_COLUMNS})
            direct = self.direct
            claims = tuple(direct is not None and direct.can_send(ch, bot) for ch, bot, _, _ in messages)
            if direct is None or not any(claims):
                await driver_sql.fetch(self.session, _add_answering(len(rows)), params)
                self.queued = True
                return
            params.update(owner=direct.owner, until=at + timedelta(seconds=direct.lease_s))
            added = await driver_sql.fetch(self.session, _add_answering(len(rows), claims), params)
            mine = [outbox_row(r) for r in added if r["claimed_by"] == direct.owner]
            self.claimed.extend(sorted(mine, key=lambda r: r.id))
            if len(mine) < len(rows):
                self.queued = True  # the bell rings for the rows left to the workers
            return
        self.queued = True
        await self.session.execute(_ADD_OUTBOX, rows[0] if len(rows) == 1 else rows)
        await self._answered(inbound_key)

    async def _answered(self, inbound_key: str | None) -> None:
        """Mark the inbound message `inbound_key` answered (reports: not a lost request), in this transaction."""
        if inbound_key is not None:
            await self.session.execute(_MARK_ANSWERED, {"key": inbound_key})


def _outbox_row(
    channel: str, bot: str, chat_id: str, payload: dict[str, Any], at: datetime, inbound_key: str | None
) -> dict[str, Any]:
    return {
        "channel": channel,
        "bot": bot,
        "chat_id": chat_id,
        "payload": json_safe(payload),
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
        "inbound_key": inbound_key,
        "kind": CHAT,
    }


class SqlInboundLog:
    """Platform update ids already handled."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_time(self, dedup_key: str, at: datetime) -> bool:
        """Record `dedup_key`; return False when it was recorded before.

        ON CONFLICT DO NOTHING instead of catching the key violation: on PostgreSQL a failed INSERT
        would abort the whole transaction.
        """
        stmt = statement(self.session, _first_time)
        first = bool(await driver_sql.fetch(self.session, stmt, {"logged_key": dedup_key, "logged_at": at}))
        if first and dialect_name(self.session) != "postgresql":
            # The durable inbox's row of this message is done when this transaction commits (storage.inbox):
            # one statement in the turn instead of a transaction of its own after it.
            await self.session.execute(_INBOX_DONE, {"key": dedup_key, "done": at})
        return first

    async def claim_next(
        self, chat_key: str, *, worker_id: str, lease_s: float, at: datetime
    ) -> InboxRow | None:
        """Claim the chat's next inbox row for `worker_id` in this transaction, the turn's last statement
        (`storage.inbox.mark_done_and_claim_next`: on PostgreSQL under the chat's lock, so a row another
        process records meanwhile is either claimed here or finds the chat free)."""
        return await inbox_sql.mark_done_and_claim_next(
            self.session, None, chat=chat_key, at=at, worker_id=worker_id, lease_s=lease_s
        )


class SqlConversationStore:
    """Per-chat conversation state as JSON rows."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, key: str) -> dict[str, Any] | None:
        """Return the state of a conversation, or None."""
        found = await driver_sql.fetch(self.session, _LOAD_STATE, {"key": key})
        state = found[0]["state"] if found else None
        return dict(state) if state is not None else None

    async def save(self, key: str, state: dict[str, Any], at: datetime) -> None:
        """Create or replace the state of a conversation."""
        await self.save_versioned(key, state, at)

    async def clear(self, key: str) -> None:
        """Forget a conversation."""
        await self.clear_versioned(key)

    async def save_versioned(self, key: str, state: dict[str, Any], at: datetime) -> int:
        """`save`, and return the state's version (one more than the conversation's last, from 1)."""
        stmt = statement(self.session, _save_state)
        params = {"key": key, "state": json_safe(state), "updated_at": at, "version": 1}
        return int((await driver_sql.fetch(self.session, stmt, params))[0]["version"])

    async def clear_versioned(self, key: str) -> int | None:
        """`clear`, and return the cleared state's version (None: the conversation was never saved)."""
        found = (
            await self.session.execute(_CLEAR_STATE, {"conversation": key, "cleared": None})
        ).scalar_one_or_none()
        return int(found) if found is not None else None


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
        row = {
            "kind": kind,
            "at": at,
            "contact_id": contact_id,
            "channel": channel,
            "query": query,
            "article_id": article_id,
            "ticket_id": ticket_id,
            "data": json_safe(data) if data is not None else None,
        }
        await driver_sql.fetch(self.session, _ADD_INTERACTION, row)
