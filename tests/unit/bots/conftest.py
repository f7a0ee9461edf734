"""Fixtures: the fake Bot API and channels built against it, on aiogram unless a module says otherwise."""

from __future__ import annotations

import pytest

from bots.telegram import TelegramChannel
from tests.support.telegram_fixtures import api, inbox, make_channel, no_leftover_tasks

__all__ = ["api", "channel_class", "inbox", "make_channel", "no_leftover_tasks"]


@pytest.fixture
def channel_class() -> type:
    return TelegramChannel
