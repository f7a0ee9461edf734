"""`SqlAdminStore`: staff passwords, admin sessions, failed logins and the admin audit, on a unit's session.

Never commits: the caller's unit of work does, so an audit entry commits with the change it describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.admin_tables import admin_audit, admin_login_failures, admin_logins, admin_sessions


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A stored admin session; `id` is the sha256 of the cookie value, never the value itself."""

    id: str
    staff_id: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change made in the web admin: who, what, on which target, when."""

    id: int
    at: datetime
    staff_id: str
    action: str
    target: str | None
    detail: dict[str, Any] | None


class SqlAdminStore:
    """Admin accounts, sessions, login throttling rows and audit entries in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def password_hash(self, staff_id: str) -> str | None:
        """The stored password hash of a staff member, or None when they have no web login."""
        query = select(admin_logins.c.password_hash).where(admin_logins.c.staff_id == staff_id)
        return (await self.session.execute(query)).scalar()

    async def set_password_hash(self, staff_id: str, password_hash: str, now: datetime) -> None:
        """Create or replace a staff member's password hash."""
        changed = await self.session.execute(
            update(admin_logins)
            .where(admin_logins.c.staff_id == staff_id)
            .values(password_hash=password_hash, updated_at=now)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            await self.session.execute(
                insert(admin_logins).values(staff_id=staff_id, password_hash=password_hash, updated_at=now)
            )

    async def add_session(self, record: SessionRecord) -> None:
        """Store a new session."""
        await self.session.execute(
            insert(admin_sessions).values(
                id=record.id,
                staff_id=record.staff_id,
                csrf_token=record.csrf_token,
                created_at=record.created_at,
                last_seen_at=record.last_seen_at,
                expires_at=record.expires_at,
                ip=record.ip,
            )
        )

    async def get_session(self, session_id: str) -> SessionRecord | None:
        """The session with this id (hash), expired or not; None when there is none."""
        row = (
            (await self.session.execute(select(admin_sessions).where(admin_sessions.c.id == session_id)))
            .mappings()
            .first()
        )
        return SessionRecord(**dict(row)) if row is not None else None

    async def touch_session(self, session_id: str, now: datetime) -> None:
        """Record activity on a session (the idle timeout counts from here)."""
        await self.session.execute(
            update(admin_sessions).where(admin_sessions.c.id == session_id).values(last_seen_at=now)
        )

    async def delete_session(self, session_id: str) -> None:
        """End a session (logout, expiry)."""
        await self.session.execute(delete(admin_sessions).where(admin_sessions.c.id == session_id))

    async def delete_sessions_of(self, staff_id: str) -> int:
        """End every session of a staff member (after a password change); return how many."""
        result = await self.session.execute(
            delete(admin_sessions).where(admin_sessions.c.staff_id == staff_id)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def delete_expired_sessions(self, now: datetime) -> int:
        """Drop sessions past their absolute expiry; return how many."""
        result = await self.session.execute(delete(admin_sessions).where(admin_sessions.c.expires_at <= now))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def add_login_failure(self, ip: str, login: str, at: datetime) -> None:
        """Remember one failed login attempt."""
        await self.session.execute(insert(admin_login_failures).values(at=at, ip=ip, login=login))

    async def count_login_failures(self, ip: str, login: str, since: datetime) -> tuple[int, int]:
        """Failed attempts since `since`: (from this address, for this login)."""
        by_ip = select(func.count()).where(admin_login_failures.c.ip == ip, admin_login_failures.c.at > since)
        by_login = select(func.count()).where(
            admin_login_failures.c.login == login, admin_login_failures.c.at > since
        )
        return (
            int((await self.session.execute(by_ip)).scalar() or 0),
            int((await self.session.execute(by_login)).scalar() or 0),
        )

    async def oldest_failure_since(self, ip: str, login: str, since: datetime) -> datetime | None:
        """The oldest counted failure for this address or login (when the throttle lifts depends on it)."""
        query = select(func.min(admin_login_failures.c.at)).where(
            admin_login_failures.c.at > since,
            (admin_login_failures.c.ip == ip) | (admin_login_failures.c.login == login),
        )
        return (await self.session.execute(query)).scalar()

    async def prune_login_failures(self, before: datetime) -> None:
        """Forget failures older than the throttle window."""
        await self.session.execute(delete(admin_login_failures).where(admin_login_failures.c.at < before))

    async def audit(
        self,
        at: datetime,
        staff_id: str,
        action: str,
        target: str | None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit entry."""
        await self.session.execute(
            insert(admin_audit).values(at=at, staff_id=staff_id, action=action, target=target, detail=detail)
        )

    async def recent_audit(self, limit: int = 20, target: str | None = None) -> list[AuditEntry]:
        """The newest audit entries first (of one target when given)."""
        query = select(admin_audit).order_by(admin_audit.c.id.desc()).limit(limit)
        if target is not None:
            query = query.where(admin_audit.c.target == target)
        return [AuditEntry(**dict(r)) for r in (await self.session.execute(query)).mappings()]


def install(uow_factory: Any) -> None:
    """Attach `admin` (a `SqlAdminStore`) to every unit of work made by `uow_factory`."""
    if "admin" not in getattr(uow_factory, "extra", {}):
        uow_factory.add_repository("admin", SqlAdminStore)
