"""How the durable inbox (`helpdesk.inbox`) retries, leases and prunes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InboxPolicy:
    """How the inbox retries.

    Attributes:
        lease_s: how long a claim holds before another process may take the row (a heartbeat extends it).
        heartbeat_s: how often a claim being worked on is extended.
        poll_s: how often the loop looks for due rows when nothing woke it.
        retry_for_s: how long infrastructure failures are retried before the message is parked.
        bug_attempts: how many times any other failure is tried.
        backoff_max_s: the longest wait between two tries.
        concurrency: how many turns one process runs at once (each holds a database connection).
        record_concurrency: how many messages one process records at once (each holds a connection).
        keep_done_s: how long handled rows are kept before they are pruned.
        handle_timeout_s: how long one attempt may take before it is given up (and tried again).
    """

    lease_s: float = 10.0
    heartbeat_s: float = 3.0
    poll_s: float = 0.5
    retry_for_s: float = 24 * 3600.0
    bug_attempts: int = 3
    backoff_max_s: float = 5.0
    # Turns + recorders + the loop and heartbeat stay within the connection pool (storage.db: 20 kept):
    # past it, every extra connection is opened, its statements prepared, and closed again when given
    # back, so an overloaded process did more work per message and fell to half its rate. Two cores are
    # busy with a dozen turns at once; more only wait on the database.
    concurrency: int = 12
    record_concurrency: int = 6
    keep_done_s: float = 7 * 86400.0
    handle_timeout_s: float = 120.0

    def backoff(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failures: 0.5, 1, 2, 4, then `backoff_max_s`."""
        return float(min(self.backoff_max_s, 0.5 * 2 ** max(0, attempts - 1)))
