"""The garbage collector in a long-lived server: what was loaded at start is frozen out of its sight.

At start a process loads the NLU model, the KB index, the SQL metadata and the bots: about 390,000 objects
that live as long as the process. Python's collector walks all of them on every full (oldest-generation)
collection, which allocation-heavy traffic triggers every so often: each took 0.5 s on a busy 2-core
machine, and every message in flight waited for it (the tail of `helpdesk bench dialogue`). `gc.freeze()`
moves them to a permanent generation that collections skip; objects made afterwards are collected as usual.

Then the collector is told to run less often (`SERVER_THRESHOLDS`). Python's default collects the youngest
generation every 700 new containers, and a message on the webhook path makes thousands (SQL statements,
rows, JSON, the dialogue's state): a probe of `gc.callbacks` during `helpdesk bench dialogue` counted
~1,900 young, ~170 middle and ~11 full collections in one run, and the full ones kept coming after the
freeze as caches grew. Most of a message's objects die before a collection that comes later, so fewer,
larger young collections promote (and later walk) fewer of them. A cycle of garbage waits longer to be freed,
which costs a few MB at most.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)

SERVER_THRESHOLDS = (20_000, 20, 100)
"""`gc.set_threshold` of a long-lived process once it is up: new containers between two young collections,
young collections between two middle ones, middle ones between two full ones (Python's: 700, 10, 10)."""


def freeze_startup_heap() -> int:
    """Collect what start-up left behind, freeze the rest and set the server's thresholds; return how many
    objects were frozen."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_THRESHOLDS)
    frozen = gc.get_freeze_count()
    log.info(
        "froze %d start-up objects out of the collector's walks (%.0f ms); collecting at %s from now on",
        frozen,
        (time.perf_counter() - started) * 1000,
        SERVER_THRESHOLDS,
    )
    return frozen
