"""The read before a client's turn (who writes, and is a form open?) as one statement outside a transaction.

A turn's slow reads (NLU, KB search) run before its transaction opens, and need the sender's client and the
conversation's stage (`dialogue.engine.DialogueEngine._prefetch`). When the process has no hint from the
sender's last turn (a first message, or the last one went to another process behind the load balancer), it
used to open a unit of work for two reads: BEGIN, the account and its contact, the state (from the Redis
mirror or the database), ROLLBACK. On PostgreSQL it is now one autocommit SELECT of both, a third of the round
trips. It reads what is committed, as that separate transaction did; the turn reads both again inside its own
and does not trust the prefetch where they differ.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import driver_sql
from storage.tables import channel_accounts, contacts, conversations
from storage.transient import in_transaction

_CLIENT = (
    select(contacts.c.client_id)
    .select_from(channel_accounts.join(contacts, contacts.c.id == channel_accounts.c.person_id))
    .where(
        channel_accounts.c.channel == bindparam("channel"),
        channel_accounts.c.bot == bindparam("bot"),
        channel_accounts.c.account_id == bindparam("account_id"),
    )
    .scalar_subquery()
)
_STATE = select(conversations.c.state).where(conversations.c.key == bindparam("key")).scalar_subquery()
_READ = select(_CLIENT.label("client_id"), _STATE.label("state"))


class SqlSenderReads:
    """`dialogue.ports.SenderReads` on a PostgreSQL engine (autocommit: the statement is its own transaction)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def client_and_state(
        self, channel: str, bot: str, account_id: str, key: str
    ) -> tuple[str | None, dict[str, Any] | None]:
        params = {"channel": channel, "bot": bot, "account_id": account_id, "key": key}

        async def read(conn: driver_sql.Statements) -> tuple[str | None, dict[str, Any] | None]:
            row = (await driver_sql.fetch(conn, _READ, params))[0]
            return row["client_id"], row["state"]

        return await in_transaction(self.engine, read, pauses=(), autocommit=True, fetch_only=True)
