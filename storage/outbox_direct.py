"""Rows a process sends itself: claimed in the transaction that queued them (PostgreSQL).

Without this every reply went the long way: the turn committed its outbox rows, sent a NOTIFY, and a
worker claimed them in a statement of its own (which, with two workers woken each time, found nothing as
often as not) before it sent them. A process that can send a row's channel now claims the rows its own
transaction queued, as that transaction's last outbox statement, and sends them after the commit
(`helpdesk.delivery_direct`). The lease is the delivery loop's: a process that dies before it sent them
leaves rows whose lease runs out, and a worker sends them, as it would any claimed row.

Per-chat order holds as `storage.outbox_delivery.claim_due` keeps it: a row is claimed here only when no
older row of its chat is waiting (pending) or being sent by someone else. Older rows this process is still
sending do not stop it; it sends a chat's rows one after another, in id order, and gives back what is left
of a chat when one of them fails (`release`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Integer, String, all_, and_, any_, bindparam, exists, or_, update
from sqlalchemy.orm import aliased

from storage.outbox_delivery import Executor, OutboxRow, OutboxStatus, earlier_in_chat, outbox_row
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
_OWNER = bindparam("owner", type_=String())


def _claim_stmt() -> Any:
    older = aliased(outbox, name="older")
    waiting = exists().where(
        earlier_in_chat(older),
        older.c.id != all_(_IDS),  # not one of the rows being claimed
        or_(
            older.c.status == OutboxStatus.PENDING.value,
            and_(older.c.status == OutboxStatus.SENDING.value, older.c.claimed_by.is_distinct_from(_OWNER)),
        ),
    )
    return (
        update(outbox)
        .where(outbox.c.id == any_(_IDS), outbox.c.status == OutboxStatus.PENDING.value, ~waiting)
        .values(
            status=OutboxStatus.SENDING.value,
            claimed_by=_OWNER,
            claimed_until=bindparam("until", type_=UtcDateTime()),
            attempts=outbox.c.attempts + 1,
        )
        .returning(*outbox.c)
    )


_CLAIM = _claim_stmt()
_RELEASE = (
    update(outbox)
    .where(
        outbox.c.id == any_(_IDS),
        outbox.c.claimed_by == _OWNER,
        outbox.c.status == OutboxStatus.SENDING.value,
    )
    .values(
        status=OutboxStatus.PENDING.value,
        claimed_by=None,
        claimed_until=None,
        attempts=outbox.c.attempts - 1,  # not tried: the claim counted one
    )
)


async def claim_queued(
    conn: Executor, ids: Collection[int], *, owner: str, until: datetime
) -> list[OutboxRow]:
    """Claim for `owner` until `until` those of the just queued rows `ids` whose chat has nothing older
    waiting (see the module); the claimed rows, oldest first."""
    if not ids:
        return []
    params = {"ids": sorted(ids), "owner": owner, "until": until}
    rows = [outbox_row(r) for r in (await conn.execute(_CLAIM, params)).mappings()]
    return sorted(rows, key=lambda r: r.id)


async def release(conn: Executor, ids: Collection[int], *, owner: str) -> None:
    """Give back rows `owner` claimed and did not try (a chat's earlier row failed): the workers send them,
    after that row, in order."""
    if ids:
        await conn.execute(_RELEASE, {"ids": sorted(ids), "owner": owner})
