"""Fixtures shared by every test suite; keep this small and generic."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

# The suite's apps (in process and the ones it starts) train a missing NLU model before they answer, as
# before: tests that expect intents from the first message must not meet the interim rules of a first start.
# tests/integration/test_nlu_background.py turns it on where it is what is tested.
os.environ.setdefault("NLU_TRAIN_IN_BACKGROUND", "false")


@pytest.fixture
def fixed_now() -> datetime:
    """A fixed, timezone-aware UTC instant (a Monday morning) for deterministic tests."""
    return datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
