"""The leases of the inbox rows this process is handling, extended by one heartbeat for all of them.

Part of the durable inbox (`helpdesk.inbox`): a row's claim holds for `lease_s`; while the engine works on
it the heartbeat extends it, so another process takes it over only when this one died or hung.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk.inbox_policy import InboxPolicy
from storage import inbox as box

log = logging.getLogger("helpdesk.inbox")


class LeaseKeeper:
    """Extends the leases of the rows in `in_flight` every `heartbeat_s` until `stopping()` says so."""

    def __init__(
        self,
        db: AsyncEngine,
        worker_id: str,
        policy: InboxPolicy,
        clock: Callable[[], datetime],
        stopping: Callable[[], bool],
    ) -> None:
        self.db = db
        self.worker_id = worker_id
        self.policy = policy
        self.clock = clock
        self.stopping = stopping
        self.in_flight: set[int] = set()  # rows the engine is working on (their leases are extended)
        self._task: asyncio.Task[None] | None = None

    def hold(self, row_id: int) -> None:
        """Keep this row's lease from now on (the heartbeat starts with the first row)."""
        self.in_flight.add(row_id)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._beat(), name="inbox-leases")

    async def _beat(self) -> None:
        """Extend the leases of the rows being handled (one statement for all of them), every heartbeat_s."""
        while not self.stopping():
            await asyncio.sleep(self.policy.heartbeat_s)
            ids = sorted(self.in_flight)
            if not ids:
                continue
            try:
                async with self.db.begin() as conn:
                    until = self.clock() + timedelta(seconds=self.policy.lease_s)
                    await box.extend(conn, ids, worker_id=self.worker_id, until=until)
            except Exception as e:
                log.warning("inbox: could not extend the leases of %d rows: %s", len(ids), e)

    async def stop(self) -> None:
        """Stop the heartbeat and give back every claim of this process (else their leases run out)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            async with self.db.begin() as conn:
                await box.release(conn, self.worker_id)
        except Exception as e:
            log.warning("inbox: could not release this process's claims (their leases will run out): %s", e)
