"""The errors both Telegram adapters raise, whichever framework runs underneath."""

from __future__ import annotations


class TelegramSetupError(RuntimeError):
    """The bot cannot start: the token was rejected, or Telegram refused the webhook."""


class UnsendableError(ValueError):
    """The Outbound cannot be expressed in the Bot API (a bug upstream, not a platform failure)."""
