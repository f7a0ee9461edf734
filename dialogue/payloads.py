"""Signed button payloads: a button works only for the person and bot it was made for.

Format: `<action>|<signature>`, at most 64 bytes (Telegram's callback_data limit). The signature is an
HMAC of the bot, the person's chat account and the action, so a payload copied into another chat, or a
client pressing a staff button, is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

MAX_PAYLOAD = 64
SIG_LEN = 12


class PayloadSigner:
    """Signs and verifies button payloads with the application's secret key."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def _sig(self, bot: str, account: str, action: str) -> str:
        mac = hmac.new(self._key, f"{bot}\x1f{account}\x1f{action}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:SIG_LEN]

    def sign(self, bot: str, account: str, action: str) -> str:
        """Return the payload for `action`, bound to one bot and one chat account."""
        payload = f"{action}|{self._sig(bot, account, action)}"
        if len(payload.encode()) > MAX_PAYLOAD:
            raise ValueError(f"payload too long: {action!r}")
        return payload

    def verify(self, bot: str, account: str, payload: str) -> str | None:
        """Return the action when the payload is genuine for this bot and account, else None."""
        if not payload or len(payload) > MAX_PAYLOAD or "|" not in payload:
            return None
        action, sig = payload.rsplit("|", 1)
        if not hmac.compare_digest(sig, self._sig(bot, account, action)):
            return None
        return action
