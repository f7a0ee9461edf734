"""Telling the process that holds a chat of the chat's next row, recorded elsewhere (PostgreSQL NOTIFY).

A balancer spreads one chat's quick messages over the web processes: the next one often reaches a process
while another works on the chat. The recorder cannot claim it (the chat's older row is pending, held
elsewhere), and the holder learns only of rows recorded in itself, so untold the row waited for whichever
process's loop ticked first (up to `InboxPolicy.poll_s`), often a worker's, which then ran the turn with
cold per-process caches. Now the recorder NOTIFYs the holder (`storage.inbox.tell_holder`, a read-only
statement of its own, so no commit waits on it) and the holder claims the row when its turn ends (or at
once, when it has ended: `Inbox.heard`). The loops stay as the net for a NOTIFY that is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import inbox as box
from storage.transient import in_transaction

log = logging.getLogger(__name__)


async def tell_holder(db: AsyncEngine, *, chat: str, row_id: int, worker_id: str, at: datetime) -> bool:
    """NOTIFY the process that holds `chat`'s oldest pending row (older than `row_id`) with a live claim;
    False when none but `worker_id` holds it, or the statement failed (logged: the loops are the net)."""

    def tell(conn: AsyncConnection) -> Awaitable[bool]:
        return box.tell_holder(conn, chat=chat, row=row_id, worker_id=worker_id, at=at)

    try:
        return await in_transaction(db, tell, pauses=(), autocommit=True)
    except Exception as e:
        log.warning("inbox: could not tell the holder of chat %s: %s", chat, e)
        return False


def chat_to_claim(payload: str, worker_id: str) -> str | None:
    """The chat a NOTIFY's payload ("<worker id> <chat>") asks `worker_id` to claim next; None when it is
    addressed to another process; "" for the listener's own call after it (re)connects (look for due rows:
    a NOTIFY may have been missed meanwhile)."""
    worker, _, chat = payload.partition(" ")
    if not chat:
        return ""
    return chat if worker == worker_id else None
