"""What both Telegram adapters share and no framework decides (no aiogram, no python-telegram-bot here).

Update dicts -> `Inbound` (`inbound`), `Outbound` -> planned sends (`plan`), text escaping and splitting
(`text`), limits (`limits`), error mapping on plain values (`delivery`), per-chat ordering (`ordering`),
the webhook endpoint (`webhook`) and the channel core (`channel`). `bots.telegram` (aiogram 3) and
`bots.telegram_ptb` (python-telegram-bot 22) add only the framework wiring and the concrete API calls.
"""

from bots.telegram_common.errors import TelegramSetupError, UnsendableError
from bots.telegram_common.limits import TelegramLimits

__all__ = ["TelegramLimits", "TelegramSetupError", "UnsendableError"]
