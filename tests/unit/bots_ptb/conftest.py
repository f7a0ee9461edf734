"""Fixtures for the python-telegram-bot adapter: the fake Bot API and PtbTelegramChannels built against it."""

from __future__ import annotations

import pytest

from bots.telegram_ptb import PtbTelegramChannel
from tests.support.telegram_fixtures import api, inbox, make_channel, no_leftover_tasks

__all__ = ["api", "channel_class", "inbox", "make_channel", "no_leftover_tasks"]


@pytest.fixture
def channel_class() -> type:
    return PtbTelegramChannel
