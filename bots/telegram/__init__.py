"""The Telegram channel adapter (aiogram 3): updates -> `Inbound`, `Outbound` -> Bot API calls."""

from bots.telegram.channel import TelegramChannel, TelegramSetupError
from bots.telegram.sender import TelegramLimits

__all__ = ["TelegramChannel", "TelegramLimits", "TelegramSetupError"]
