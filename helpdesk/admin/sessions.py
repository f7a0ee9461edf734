"""Server-side admin sessions: a random cookie value, stored only as its sha256, with an absolute expiry,
an idle timeout and a per-session CSRF token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from storage.admin_store import SessionRecord

if TYPE_CHECKING:
    from helpdesk.settings import Settings

COOKIE = "hd_admin"
LOGIN_CSRF_COOKIE = "hd_admin_login"
TOUCH_EVERY = timedelta(minutes=1)
"""Activity is written at most once a minute: the idle timeout is that precise, and pages stay read-only."""


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long sessions live and how the cookie is flagged."""

    lifetime: timedelta = timedelta(hours=12)
    idle: timedelta = timedelta(minutes=30)
    secure_cookie: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        """Read the admin settings; the Secure flag defaults to on when the public URL is https."""
        secure = settings.admin_cookie_secure
        if secure is None:
            secure = (settings.public_url or "").lower().startswith("https://")
        return cls(
            lifetime=timedelta(hours=settings.admin_session_hours),
            idle=timedelta(minutes=settings.admin_idle_minutes),
            secure_cookie=secure,
        )

    def cookie_options(self) -> dict[str, Any]:
        """Flags for the session cookie: HttpOnly, SameSite=Lax, Secure over https, scoped to /admin."""
        return {"httponly": True, "samesite": "Lax", "secure": self.secure_cookie, "path": "/admin"}


def hash_token(token: str) -> str:
    """The stored id of a session cookie value."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random value for a cookie or a CSRF token (256 bits)."""
    return secrets.token_urlsafe(32)


def same_token(given: str | None, expected: str | None) -> bool:
    """Compare two tokens in constant time; a missing one never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


async def start_session(
    store: Any, staff_id: str, ip: str | None, now: datetime, policy: SessionPolicy
) -> tuple[str, SessionRecord]:
    """Store a new session for a staff member; return the cookie value and the record."""
    token = new_token()
    record = SessionRecord(
        id=hash_token(token),
        staff_id=staff_id,
        csrf_token=new_token(),
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.lifetime,
        ip=(ip or "")[:64] or None,
    )
    await store.add_session(record)
    return token, record


class StoredSession(Protocol):
    """What the session rules read of a stored session (the admin's and the client portal's)."""

    @property
    def id(self) -> str: ...

    @property
    def last_seen_at(self) -> datetime: ...

    @property
    def expires_at(self) -> datetime: ...


S = TypeVar("S", bound=StoredSession)
S_co = TypeVar("S_co", bound=StoredSession, covariant=True)


class SessionStore(Protocol[S_co]):
    """Where sessions of one kind are kept (`SqlAdminStore`, `SqlPortalStore`)."""

    async def get_session(self, session_id: str) -> S_co | None: ...

    async def touch_session(self, session_id: str, now: datetime) -> None: ...

    async def delete_session(self, session_id: str) -> None: ...


def is_live(record: StoredSession, now: datetime, policy: SessionPolicy) -> bool:
    """Tell whether a session is neither past its expiry nor idle too long."""
    return now < record.expires_at and now - record.last_seen_at < policy.idle


async def resume_session(
    store: SessionStore[S], token: str | None, now: datetime, policy: SessionPolicy
) -> S | None:
    """The live session behind a cookie value, its activity recorded; an expired one is deleted."""
    if not token or len(token) > 200:
        return None
    record = await store.get_session(hash_token(token))
    if record is None:
        return None
    if not is_live(record, now, policy):
        await store.delete_session(record.id)
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        await store.touch_session(record.id, now)
    return record
