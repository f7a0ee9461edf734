"""The last work of a turn's transaction for the durable inbox: claim the chat's next row (PostgreSQL).

A balancer spreads one chat's quick messages over the web processes, so the next one is often recorded by one
process while another works on the chat. The turn claims its chat's next row as the last statement of its
own transaction, under the chat's advisory lock, the lock every recorder takes
(`storage.inbox.mark_done_and_claim_next`, migration 0033): a row recorded before is claimed here and handled
next by this process; a recorder that comes later waits for the commit and finds the chat free. Nobody has to
be told, and no loop has to find the row. `helpdesk.inbox.Inbox` passes this to `DialogueEngine.turn`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from storage import inbox as box
from storage.uow import SqlUnitOfWork


@dataclass(frozen=True)
class NextRow:
    """What a turn's transaction claimed as it ended: its chat's next row, or None."""

    row: box.InboxRow | None


def claim_next_row(
    chat: str,
    *,
    worker_id: str,
    lease_s: float,
    clock: Callable[[], datetime],
    holds_next: Callable[[], bool],
) -> Callable[[SqlUnitOfWork], Awaitable[NextRow]]:
    """The turn's last work: claim `chat`'s next row for `worker_id`, unless `holds_next()` says the process
    already holds it (queued after a record of its own) or is stopping; asked as the turn ends."""

    async def claim_next(uow: SqlUnitOfWork) -> NextRow:
        if holds_next():
            return NextRow(None)
        return NextRow(await uow.inbound.claim_next(chat, worker_id=worker_id, lease_s=lease_s, at=clock()))

    return claim_next
