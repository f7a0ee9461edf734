"""What becomes of an inbox row: its outcome written down (done, retry after a backoff, dead) and, for a
dead letter, the one notice to its sender that a person will get back to them. Part of the durable inbox (`helpdesk.inbox`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from dialogue.engine import DialogueEngine
from dialogue.messages import Bot, Channel, Inbound
from helpdesk.inbox_policy import InboxPolicy
from storage import inbox as box
from storage import inbox_admin
from storage.transient import in_transaction

log = logging.getLogger("helpdesk.inbox")


def sender_of(payload: dict[str, Any]) -> Inbound | None:
    """The message of an inbox row, or, when the row cannot be read back whole (the reason it may have died:
    a field of another version, a malformed attachment), just its chat and sender; None without them."""
    try:
        return Inbound.from_dict(payload)
    except (KeyError, TypeError, ValueError):
        pass
    try:
        lang = payload.get("lang")
        return Inbound(
            Channel(payload["channel"]),
            Bot(payload["bot"]),
            str(payload["chat_id"]),
            str(payload["sender_id"]),
            str(payload["dedup_key"]),
            lang=lang if isinstance(lang, str) else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


class RowOutcomes:
    """Writes rows' outcomes and tells the senders of dead letters (each best effort; the lease and the
    loop try again)."""

    def __init__(
        self,
        db: AsyncEngine,
        engine: DialogueEngine,
        on_replies: Callable[[], None] | None,
        policy: InboxPolicy,
        transient: Callable[[BaseException], bool],
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.engine = engine
        self.on_replies = on_replies
        self.policy = policy
        self.transient = transient
        self.clock = clock

    async def failed(self, row: box.InboxRow, error: BaseException) -> None:
        """Retry a failed row after a backoff, or park it as a dead letter and tell its sender."""
        now = self.clock()
        transient = self.transient(error)
        text = f"{type(error).__name__}: {error}"
        if transient:
            give_up = now - row.received_at >= timedelta(seconds=self.policy.retry_for_s)
            log.warning("inbox: %s failed (attempt %d), will retry: %s", row.dedup_key, row.attempts, text)
        else:
            give_up = row.attempts >= self.policy.bug_attempts
            log.error("inbox: %s failed (attempt %d)", row.dedup_key, row.attempts, exc_info=error)
        if not give_up:
            wait = timedelta(seconds=self.policy.backoff(row.attempts))
            await self.finish(box.mark_retry, row.id, next_attempt_at=now + wait, error=text)
            return
        log.error(
            "inbox: %s parked as a dead letter after %d attempts: %s", row.dedup_key, row.attempts, text
        )
        await self.finish(box.mark_dead, row.id, at=now, error=text)
        await self.notify_dead(row)

    async def finish(self, mark: Callable[..., Any], row_id: int, *args: Any, **kwargs: Any) -> None:
        """Record a row's outcome (again after a cut connection); failing that, the lease runs out and the
        row is tried again. Each mark is one statement: on PostgreSQL it runs outside a transaction."""
        try:
            await in_transaction(
                self.db,
                lambda conn: mark(conn, row_id, *args, **kwargs),
                autocommit=self.db.dialect.name == "postgresql",
            )
        except Exception as e:
            log.warning("inbox: could not record the outcome of row %s: %s", row_id, e)

    async def notify_dead(self, row: box.InboxRow) -> None:
        """Tell the sender once that a person will get back to them (best effort; retried by the loop)."""
        try:
            async with self.db.begin() as conn:
                if not await box.take_notice(conn, row.id):
                    return  # told already, or being told by another process
        except Exception as e:
            log.warning("inbox: could not take the notice of dead letter %s yet: %s", row.dedup_key, e)
            return
        inbound = sender_of(row.payload)
        if inbound is None:
            log.warning("inbox: dead letter %s names no chat to answer; nobody is told", row.dedup_key)
            return
        try:
            replies = await self.engine.tell_not_handled(inbound)
        except Exception as error:
            if not self.transient(error):
                # A bug fails the same way on every try: the loop asked again every 10 s, each time with a
                # traceback in the log. The notice stays spent; the admin's Messages page shows the row.
                log.error("inbox: telling the sender of dead letter %s failed", row.dedup_key, exc_info=error)
                return
            log.warning(
                "inbox: could not tell the sender of dead letter %s yet", row.dedup_key, exc_info=True
            )
            await self.finish(box.return_notice, row.id)
            return
        if replies and self.on_replies is not None:
            self.on_replies()

    async def notify_pending_dead(self) -> None:
        """Tell the senders of dead letters whose notice failed before (a process died, the database)."""
        async with self.db.connect() as conn:
            dead = await inbox_admin.list_unnotified_dead(conn, limit=20)
        for row in dead:
            await self.notify_dead(row)
