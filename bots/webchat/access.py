"""Who a web chat request speaks for, and how often an anonymous visitor may ask.

Widget mode (the default) never takes a chat id from the request: a visitor's chat comes from a signed
session cookie the channel gives out, and a staff member's from the app's login (`StaffLogin`). Demo mode
(`WebChatChannel(demo=True)`) keeps the identity picker, where the page names the chat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from bots.ratelimit import Rate

VISITOR_COOKIE = "hd_webchat"
VISITOR_MAX_AGE_S = 30 * 24 * 3600
"""A visitor keeps their chat (and sees its history) for 30 days after the session was given out."""
VISITOR_PREFIX = "v-"
_VALUE_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
MAX_TOKEN = 300


@dataclass(frozen=True, slots=True)
class StaffIdentity:
    """The signed-in staff member a staff chat request speaks for.

    Attributes:
        chat_id: their web staff chat id (the id their web account is linked under).
        label: how the page names them, e.g. "Ivan Petrov (engineer)".
    """

    chat_id: str
    label: str


StaffLogin = Callable[[web.Request], Awaitable[StaffIdentity | None]]
"""Return who is signed in behind a request, or None; the app decides how (its admin session)."""


@dataclass(frozen=True, slots=True)
class VisitorLimits:
    """How much an anonymous visitor may do; each is a `bots.ratelimit.Rate` (count per `per` seconds).

    Attributes:
        new_sessions_per_address: chat sessions given out to one network address (each may become a
            client row once it writes, so this bounds what a script can create).
        messages_per_session: messages and photos one visitor may send.
        polls_per_session: history reads of one visitor (a page makes about one per long poll).
    """

    new_sessions_per_address: Rate = field(default_factory=lambda: Rate(10, 60.0, burst=10))
    messages_per_session: Rate = field(default_factory=lambda: Rate(20, 60.0, burst=10))
    polls_per_session: Rate = field(default_factory=lambda: Rate(120, 60.0, burst=30))


class Signer:
    """HMAC-SHA256 signatures of short values with the time they were made, for one purpose.

    The key is derived from the app's secret and the purpose, so a value signed for one use (a visitor
    session) is never accepted for another.

    Args:
        secret: the app's secret key.
        purpose: what the signatures are for, e.g. "visitor".
    """

    def __init__(self, secret: str | bytes, purpose: str) -> None:
        raw = secret.encode("utf-8") if isinstance(secret, str) else secret
        self._key = hmac.new(raw, b"helpdesk.webchat." + purpose.encode("utf-8"), hashlib.sha256).digest()

    def sign(self, value: str, now: float) -> str:
        """Return `value.<time>.<signature>`.

        Raises:
            ValueError: `value` is not 1-128 of `A-Z a-z 0-9 _ -`.
        """
        if not _VALUE_RE.match(value):
            raise ValueError("a signed value must be 1-128 of A-Z a-z 0-9 _ -")
        stamp = str(int(now))
        return f"{value}.{stamp}.{self._mac(value, stamp)}"

    def unsign(self, token: str | None, now: float, max_age_s: float) -> str | None:
        """Return the value of a token this signer made less than `max_age_s` ago, else None."""
        if not token or len(token) > MAX_TOKEN:
            return None
        parts = token.split(".")
        if len(parts) != 3:
            return None
        value, stamp, mac = parts
        if not _VALUE_RE.match(value) or not stamp.isdigit() or len(stamp) > 12:
            return None
        if not hmac.compare_digest(mac.encode("ascii", "replace"), self._mac(value, stamp).encode("ascii")):
            return None
        age = now - int(stamp)
        # A stamp from the future is a clock step back; a minute of that is tolerated, more is not ours.
        if age > max_age_s or age < -60:
            return None
        return value

    def _mac(self, value: str, stamp: str) -> str:
        digest = hmac.new(self._key, f"{value}.{stamp}".encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_visitor() -> str:
    """Return a fresh random visitor id (96 bits, 24 hex digits)."""
    return secrets.token_hex(12)


def visitor_chat_id(visitor: str) -> str:
    """Return the client chat id of a visitor: `v-<visitor id>`, the shape demo visitors had too."""
    return VISITOR_PREFIX + visitor


def client_address(request: web.Request) -> str:
    """Return the network address a request came from, the key of the per-address limits.

    Behind a reverse proxy every visitor has the proxy's address, so they share one limit; `remote` is the
    peer of the connection, never a header a visitor could set.
    """
    return (request.remote or "unknown")[:64]
