"""Fixtures shared by every test suite; keep this small and generic."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest


@pytest.fixture
def fixed_now() -> datetime:
    """A fixed, timezone-aware UTC instant (a Monday morning) for deterministic tests."""
    return datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
