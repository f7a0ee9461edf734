"""API tokens: scopes, generation, hashing and name rules. Pure functions; storage keeps only the hash."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from enum import StrEnum

TOKEN_PREFIX = "hd_"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,47}$")


class Scope(StrEnum):
    """What a token may do. A `:write` scope includes the `:read` scope of the same area."""

    KB_READ = "kb:read"
    KB_WRITE = "kb:write"
    TICKETS_READ = "tickets:read"
    TICKETS_WRITE = "tickets:write"
    DIRECTORY_READ = "directory:read"
    DIRECTORY_WRITE = "directory:write"  # contacts' mail address, portal manager flag and site
    WEBHOOKS_ADMIN = "webhooks:admin"
    BILLING_READ = "billing:read"
    BILLING_WRITE = "billing:write"
    ALERTS_WRITE = "alerts:write"  # monitoring posts alerts (POST /api/alerts)
    EQUIPMENT_READ = "equipment:read"
    EQUIPMENT_WRITE = "equipment:write"


ALL_SCOPES: tuple[Scope, ...] = tuple(Scope)

_IMPLIED: dict[Scope, Scope] = {
    Scope.KB_WRITE: Scope.KB_READ,
    Scope.TICKETS_WRITE: Scope.TICKETS_READ,
    Scope.DIRECTORY_WRITE: Scope.DIRECTORY_READ,
    Scope.BILLING_WRITE: Scope.BILLING_READ,
    Scope.EQUIPMENT_WRITE: Scope.EQUIPMENT_READ,
}


class TokenError(ValueError):
    """Bad token input (name or scopes); the message says what to do next."""


def new_token() -> str:
    """A fresh random token (32 bytes, URL-safe) with a recognisable prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The sha256 hex digest stored for a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Compare two hashes in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())


def check_name(name: str) -> str:
    """Return a valid token name (lower-case) or raise `TokenError`."""
    text = (name or "").strip().lower() if isinstance(name, str) else ""
    if not _NAME.match(text):
        raise TokenError(
            f"invalid token name {name!r}: use 1-48 lower-case letters, digits, '_', '.' or '-', e.g. crm-sync"
        )
    return text


def parse_scopes(values: str | Iterable[str]) -> tuple[Scope, ...]:
    """Parse scopes given as "a,b" or a list; "all" means every scope. Raise `TokenError` on unknown ones."""
    items = values.split(",") if isinstance(values, str) else list(values)
    names = [str(v).strip().lower() for v in items if str(v).strip()]
    if not names:
        raise TokenError(f"give at least one scope: {', '.join(ALL_SCOPES)} (or all)")
    if "all" in names:
        return ALL_SCOPES
    known = {s.value: s for s in Scope}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise TokenError(f"unknown scope {', '.join(unknown)}: choose from {', '.join(ALL_SCOPES)} or all")
    return tuple(dict.fromkeys(known[n] for n in names))


def grants(scopes: Iterable[str], needed: Scope) -> bool:
    """Tell whether a token with `scopes` may use an endpoint that needs `needed`."""
    held = {str(s) for s in scopes}
    if needed.value in held:
        return True
    return any(implied is needed and broader.value in held for broader, implied in _IMPLIED.items())
