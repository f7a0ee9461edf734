"""What a process loads at start is frozen out of the collector's walks (helpdesk.heap)."""

from __future__ import annotations

import gc

from helpdesk.heap import freeze_startup_heap


def test_start_up_objects_are_frozen_and_new_ones_still_collected() -> None:
    loaded = [{"n": i} for i in range(10_000)]  # stands in for models and indexes
    try:
        frozen = freeze_startup_heap()
        # Frozen objects that are freed leave the count (the log line's temporaries did, in a CI run): the
        # loaded ones stay.
        assert frozen >= len(loaded) and gc.get_freeze_count() >= len(loaded)
        cycle: list[object] = []
        cycle.append(cycle)  # made after start: an ordinary collection still frees it
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
