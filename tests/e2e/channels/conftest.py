"""Fixtures of the channel transcripts: the running app per test, and one client driver per channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.channels.app import RunningApp, running_app
from tests.e2e.channels.driver import ClientChannelDriver
from tests.e2e.channels.visitors import CHANNELS, make_driver


@pytest.fixture
async def app(demo_db: Path, tmp_path: Path) -> AsyncIterator[RunningApp]:
    """The real app on a fresh copy of the demo database."""
    async with running_app(demo_db, tmp_path / "uploads") as running:
        yield running


@pytest.fixture(params=CHANNELS)
def client(request: pytest.FixtureRequest, app: RunningApp) -> ClientChannelDriver:
    """A new visitor writing to the client bot, once per channel."""
    return make_driver(request.param, app)
