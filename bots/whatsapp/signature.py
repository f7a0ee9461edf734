"""Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def sign(body: bytes, app_secret: str) -> str:
    """Return the header value Meta would send for `body` signed with `app_secret`."""
    return _PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def is_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    """Tell whether `header` is the signature of exactly these raw bytes (constant-time compare)."""
    if not header or not app_secret:
        return False
    # Compare the whole header so a wrong prefix or case fails the same way as a wrong digest.
    return hmac.compare_digest(header.strip().lower().encode(), sign(body, app_secret).encode())
