"""Password hashing for web logins: scrypt with a per-user random salt, parameters stored with the hash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
"""scrypt cost: 16 MiB of memory and a few tens of milliseconds per check."""
SALT_BYTES = 16
KEY_BYTES = 32
MIN_LENGTH = 8
MAX_LENGTH = 256


class PasswordError(ValueError):
    """A password that may not be set; the message says what to change."""


def check_new_password(password: str) -> str:
    """Return `password` if it is acceptable as a new password, else raise `PasswordError`."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"The password is too short: use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"The password is too long: use at most {MAX_LENGTH} characters.")
    if password.strip() != password:
        raise PasswordError("The password starts or ends with a space; remove it.")
    return password


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 1024 * 1024, dklen=KEY_BYTES
    )


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> str:
    """Hash a password as "scrypt$n$r$p$salt$key" with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    return f"{SCHEME}${n}${r}${p}${_b64(salt)}${_b64(_derive(password, salt, n, r, p))}"


def verify_password(password: str, stored: str | None) -> bool:
    """Tell whether `password` matches a stored hash; a missing or malformed hash never matches."""
    if not stored or len(password) > MAX_LENGTH:
        return False
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != SCHEME:
            return False
        derived = _derive(password, _unb64(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(derived, _unb64(key))


DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
"""Checked against when the login is unknown, so a wrong login takes as long as a wrong password."""
