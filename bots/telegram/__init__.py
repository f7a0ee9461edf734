"""The Telegram channel adapter on aiogram 3: updates -> `Inbound`, `Outbound` -> Bot API calls.

Only the aiogram wiring lives here; what does not depend on the framework is `bots.telegram_common`.
"""

from bots.telegram.channel import TelegramChannel
from bots.telegram_common import TelegramLimits, TelegramSetupError

__all__ = ["TelegramChannel", "TelegramLimits", "TelegramSetupError"]
