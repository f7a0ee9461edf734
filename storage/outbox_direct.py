"""Rows a process sends itself: claimed in the transaction that queued them (PostgreSQL).

Without this every reply went the long way: the turn committed its outbox rows, sent a NOTIFY, and a
worker claimed them in a statement of its own (which, with two workers woken each time, found nothing as
often as not) before it sent them. A process that can send a row's channel now claims the rows its own
transaction queued, in the statement that queues them, and sends them after the commit
(`helpdesk.delivery_direct`). The lease is the delivery loop's: a process that dies before it sent them
leaves rows whose lease runs out, and a worker sends them, as it would any claimed row.

Per-chat order holds as `storage.outbox_delivery.claim_due` keeps it: a row is claimed here only when no
older row of its chat is waiting (pending) or being sent by someone else. The claim is part of the INSERT
that queues the rows (`claim_on_insert`): a claimed row is written once, as `sending`, not inserted pending
and updated in a second statement. Older rows this process is still sending do not stop it; it sends a
chat's rows one after another, in id order, and gives back what is left of a chat when one of them fails
(`release`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    Subquery,
    and_,
    any_,
    bindparam,
    case,
    exists,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from storage.outbox_delivery import Executor, OutboxStatus
from storage.sql_literals import word
from storage.tables import outbox
from storage.types import UtcDateTime

DIRECT_CHANNELS = frozenset({"telegram", "whatsapp"})
"""Channels whose sender any process has (an HTTP API). The web chat's and mail's rows go through the workers:
a web chat reaches the browsers connected to one process, and mail has its own relay."""


@dataclass(frozen=True)
class DirectClaim:
    """Who claims its transactions' rows (`owner`, the rows' claimed_by) for how long, and which (channel, bot)
    pairs it can send."""

    owner: str
    lease_s: float
    sendable: frozenset[tuple[str, str]]

    def can_send(self, channel: str, bot: str) -> bool:
        return (channel, bot) in self.sendable


_IDS = bindparam("ids", type_=ARRAY(Integer()))
OWNER = bindparam("owner", type_=String())
UNTIL = bindparam("until", type_=UtcDateTime())
"""The parameters of a statement that claims the rows it queues: the claiming process and its lease's end."""


def claim_on_insert(row: Mapping[str, Any], n: int) -> tuple[Subquery, dict[str, Any]]:
    """What a row being inserted (`row`: its columns' values as SQL) takes to be claimed as it is queued.

    Answers a one-row subquery to select the row from (whether its chat has an older row waiting: pending,
    or being sent by another process) and the row's status, attempts, claimed_by and claimed_until: claimed
    for `OWNER` until `UNTIL` when nothing waits, queued as given otherwise. Every row of the chat is older
    than the ones the statement inserts, and those are not visible to it: the check needs neither an id
    comparison nor to leave the statement's own rows out.
    """
    older = aliased(outbox, name=f"older_{n}")
    waiting = exists().where(
        older.c.channel == row["channel"],
        older.c.bot == row["bot"],
        older.c.chat_id == row["chat_id"],
        or_(
            older.c.status == word(OutboxStatus.PENDING),
            and_(
                older.c.status == word(OutboxStatus.SENDING),
                older.c.claimed_by.is_distinct_from(OWNER),
            ),
        ),
    )
    source = select(waiting.label("waiting")).subquery(f"chat_{n}")
    held = source.c.waiting
    return source, {
        "status": case((held, row["status"]), else_=word(OutboxStatus.SENDING)),
        "attempts": case((held, row["attempts"]), else_=row["attempts"] + 1),
        "claimed_by": case((held, null()), else_=OWNER),
        "claimed_until": case((held, null()), else_=UNTIL),
    }


_RELEASE = (
    update(outbox)
    .where(
        outbox.c.id == any_(_IDS),
        outbox.c.claimed_by == OWNER,
        outbox.c.status == OutboxStatus.SENDING.value,
    )
    .values(
        status=OutboxStatus.PENDING.value,
        claimed_by=None,
        claimed_until=None,
        attempts=outbox.c.attempts - 1,  # not tried: the claim counted one
    )
)


async def release(conn: Executor, ids: Collection[int], *, owner: str) -> None:
    """Give back rows `owner` claimed and did not try (a chat's earlier row failed): the workers send them,
    after that row, in order."""
    if ids:
        await conn.execute(_RELEASE, {"ids": sorted(ids), "owner": owner})
