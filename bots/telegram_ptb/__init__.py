"""The Telegram channel adapter on python-telegram-bot 22, interchangeable with `bots.telegram` (aiogram 3).

`PtbTelegramChannel` has the constructor and methods of `bots.telegram.TelegramChannel`, makes the same
`Inbound`s and sends the same Bot API calls, because both build on `bots.telegram_common`; the app picks
one by setting (see docs/telegram_ptb.md). Nothing here imports aiogram.
"""

from bots.telegram_common import TelegramLimits, TelegramSetupError
from bots.telegram_ptb.channel import PtbTelegramChannel

__all__ = ["PtbTelegramChannel", "TelegramLimits", "TelegramSetupError"]
