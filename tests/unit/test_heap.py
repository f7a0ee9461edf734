"""What a process loads at start is frozen out of the collector's walks (helpdesk.heap)."""

from __future__ import annotations

import gc

from helpdesk.heap import SERVER_THRESHOLDS, freeze_startup_heap

PYTHON_THRESHOLDS = (700, 10, 10)
"""CPython's own; another test of this process may have set the server's already (an in-process app)."""


def test_start_up_objects_are_frozen_and_new_ones_still_collected() -> None:
    loaded = [{"n": i} for i in range(10_000)]  # stands in for models and indexes
    thresholds = gc.get_threshold()
    try:
        frozen = freeze_startup_heap()
        # Frozen objects that are freed leave the count (the log line's temporaries did, in a CI run): the
        # loaded ones stay.
        assert frozen >= len(loaded) and gc.get_freeze_count() >= len(loaded)
        cycle: list[object] = []
        cycle.append(cycle)  # made after start: an ordinary collection still frees it
        del cycle
        assert gc.collect() >= 1
        assert gc.get_threshold() == SERVER_THRESHOLDS
        assert (
            SERVER_THRESHOLDS[0] > PYTHON_THRESHOLDS[0]
        )  # young collections come less often than by default
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
