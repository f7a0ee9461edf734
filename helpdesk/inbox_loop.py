"""The durable inbox's loop (`Inbox.run`): what no turn took at once, retries, dead letters' notices, pruning.

Most rows are claimed as they are recorded, or by the process that holds their chat when its turn ends; the
loop claims the rest when they are due: rows given back (the row before them failed), retries after
a failure, and rows whose process died (its lease ran out). It also tells dead letters' senders (every
`NOTICE_CHECK_S`) and prunes handled rows (hourly).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from storage import inbox_admin

if TYPE_CHECKING:
    import asyncio

    from helpdesk.inbox import Inbox

log = logging.getLogger(__name__)

NOTICE_CHECK_S = 10.0  # how often the loop looks for dead letters whose sender was not told yet
PRUNE_EVERY = timedelta(hours=1)


async def run_loop(inbox: Inbox, stop: asyncio.Event, behind_s: float = 0.0) -> None:
    """Handle `inbox`'s due rows until `stop` is set; errors are logged and never end the loop.

    `behind_s`: the loop takes only rows due at least that long ago. A worker beside web processes is the
    net for what they did not take (their dead processes' rows, retries when they are all busy): without
    it, its loop raced the web process that holds a chat for the chat's next row the moment that row came
    due, and ran the turn with cold per-process caches (in 3 web processes + 2 workers the workers ran 30-40 %
    of the turns). Rows the worker records itself (polling, mail) it claims as it records them.
    """
    pruned_at = noticed_at = inbox.clock() - timedelta(days=1)
    while not stop.is_set() and not inbox.stopping:
        try:
            started = await inbox.run_once(behind_s)
            if inbox.clock() - noticed_at >= timedelta(seconds=NOTICE_CHECK_S):
                noticed_at = inbox.clock()
                await inbox.outcomes.notify_pending_dead()
            if inbox.clock() - pruned_at >= PRUNE_EVERY:
                pruned_at = inbox.clock()
                await prune(inbox)
        except Exception as e:
            log.warning("inbox: a tick failed: %s", e)
            started = 0
        if not started:
            await inbox.idle()


async def prune(inbox: Inbox) -> int:
    """Delete rows handled longer ago than the policy's `keep_done_s`; return how many."""
    before = inbox.clock() - timedelta(seconds=inbox.policy.keep_done_s)
    async with inbox.db.begin() as conn:
        return await inbox_admin.prune(conn, before=before)
