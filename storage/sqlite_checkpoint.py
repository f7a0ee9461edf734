"""WAL checkpoints for a SQLite file off the event loop.

Connections that run their statements on the loop's thread (`storage.sqlite_inline`) turn SQLite's automatic
checkpoint off: it runs inside the commit that crosses the threshold and copies and syncs the WAL into the
database file, which could stall the loop for tens of milliseconds. The app checkpoints from a worker thread
instead (`checkpoint_once`, every second or so); a process that never does, such as a short CLI command, gets
SQLite's own checkpoint when its last connection closes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from pathlib import Path

CHECKPOINT_BUSY_TIMEOUT_MS = 1000


@dataclass(frozen=True, slots=True)
class CheckpointResult:
    """What one `PRAGMA wal_checkpoint(PASSIVE)` did: pages in the WAL and pages copied back."""

    busy: bool
    wal_pages: int
    copied_pages: int


def checkpoint_once(path: Path) -> CheckpointResult:
    """Copy what readers no longer need from the WAL into the database file (blocking: call in a thread)."""
    conn = sqlite3.connect(str(path), timeout=CHECKPOINT_BUSY_TIMEOUT_MS / 1000)
    try:
        busy, wal_pages, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        conn.close()
    return CheckpointResult(bool(busy), int(wal_pages), int(copied))


async def checkpoint(path: Path) -> CheckpointResult:
    """Run `checkpoint_once` on a worker thread."""
    return await asyncio.to_thread(checkpoint_once, path)
