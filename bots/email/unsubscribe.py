"""Unsubscribe links of our notification mails (RFC 2369 List-Unsubscribe, RFC 8058 one-click POST).

The link names the address it was sent to and carries an HMAC of it under a key derived from the app's
SECRET_KEY: no table, no expiry (people unsubscribe from mails of last year), and nobody can make a link for an
address they did not receive mail at. The page at the link (`helpdesk/portal/views_mail.py`) turns the
address's notifications off on a POST only: mail scanners and previews GET links, and must not unsubscribe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PURPOSE = b"helpdesk mail unsubscribe v1"
MAC_BYTES = 16
MAX_TOKEN = 600


def derive_key(secret_key: str) -> bytes:
    """The key of unsubscribe links, derived from SECRET_KEY (a separate purpose from sessions and buttons)."""
    return hmac.new(secret_key.encode(), PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, address: str) -> bytes:
    return hmac.new(key, address.encode(), hashlib.sha256).digest()[:MAC_BYTES]


def make_token(key: bytes, address: str) -> str:
    """The link's last path segment for mail sent to `address`."""
    address = address.strip().lower()
    return f"{_b64(address.encode())}.{_b64(_mac(key, address))}"


def read_token(key: bytes, token: str) -> str | None:
    """The address a token was made for, or None when it is not one of ours (or was altered)."""
    if len(token) > MAX_TOKEN or token.count(".") != 1:
        return None
    encoded, mac = token.split(".")
    try:
        address = _unb64(encoded).decode()
        given = _unb64(mac)
    except (ValueError, UnicodeDecodeError):
        return None
    if address != address.strip().lower() or "@" not in address:
        return None
    return address if hmac.compare_digest(given, _mac(key, address)) else None
