"""`SqlAdminStore`: staff passwords, admin sessions, login throttling, known devices and the admin audit.

Never commits: the caller's unit of work does, so an audit entry commits with the change it describes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, insert, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.admin_tables import (
    admin_audit,
    admin_devices,
    admin_login_failures,
    admin_login_throttle,
    admin_logins,
    admin_sessions,
)
from storage.repositories._sql import upsert_insert
from storage.types import UtcDateTime

PRUNE_BATCH = 100
"""Stale throttle counters and expired devices dropped per call: housekeeping stays a short statement."""


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
class ThrottleCount:
    """A login throttle counter: attempts counted, when the next may be checked, when the count is forgotten."""

    failures: int
    next_at: datetime
    forget_at: datetime


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """A browser that signed in as `staff_id` before; `id` is the sha256 of its cookie value."""

    id: str
    staff_id: str
    created_at: datetime
    last_login_at: datetime
    expires_at: datetime


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
    """Admin accounts, sessions, login throttle counters, known devices and audit entries in SQL."""

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
        """Log one failed login whose password was checked."""
        await self.session.execute(insert(admin_login_failures).values(at=at, ip=ip, login=login))

    async def prune_login_failures(self, before: datetime) -> None:
        """Drop failed-login log entries older than `before`."""
        await self.session.execute(delete(admin_login_failures).where(admin_login_failures.c.at < before))

    async def throttle_counts(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ThrottleCount]:
        """The committed counters of these (scope, subject) keys, without locking them.

        A quick look: a counter that makes an attempt wait only grows until it is forgotten, so a refusal
        read here stands; an attempt that looks free is checked again under the lock.
        """
        if not keys:
            return {}
        t = admin_login_throttle
        query = select(t.c.scope, t.c.subject, t.c.failures, t.c.next_at, t.c.forget_at).where(
            or_(*(and_(t.c.scope == scope, t.c.subject == subject) for scope, subject in keys))
        )
        return {
            (r.scope, r.subject): ThrottleCount(r.failures, r.next_at, r.forget_at)
            for r in await self.session.execute(query)
        }

    async def lock_throttle_count(self, scope: str, subject: str, now: datetime) -> ThrottleCount:
        """Lock one counter until the unit ends (an empty one is created) and return it as it stands.

        One statement: the upsert takes the row lock on PostgreSQL even when the row exists, and its
        RETURNING reads the newest committed values, so attempts in other transactions and processes queue
        here and each sees the others' counts. On SQLite the unit already holds the write lock (BEGIN
        IMMEDIATE). Callers lock several counters in one order (sorted keys), so two attempts never
        wait on each other in a circle.
        """
        t = admin_login_throttle
        stmt = upsert_insert(self.session, t).values(
            scope=scope, subject=subject, failures=0, next_at=now, forget_at=now
        )
        stmt = stmt.on_conflict_do_update(  # type: ignore[assignment]
            index_elements=["scope", "subject"], set_={"failures": t.c.failures}
        ).returning(t.c.failures, t.c.next_at, t.c.forget_at)
        row = (await self.session.execute(stmt)).one()
        return ThrottleCount(row.failures, row.next_at, row.forget_at)

    async def set_throttle_count(self, scope: str, subject: str, count: ThrottleCount) -> None:
        """Store a counter (locked by `lock_throttle_count` in the same unit)."""
        t = admin_login_throttle
        await self.session.execute(
            update(t)
            .where(t.c.scope == scope, t.c.subject == subject)
            .values(failures=count.failures, next_at=count.next_at, forget_at=count.forget_at)
        )

    async def give_back_attempt(self, scope: str, subject: str, now: datetime, free: int) -> None:
        """Take a right password's attempt off a counter; a counter left at zero is dropped.

        One statement, so it is atomic without a prior read. Below `free` attempts nothing waits, so the
        wait this attempt set when it was counted is lifted then; above, it stays (it only holds back
        whoever keeps failing on this counter).
        """
        t = admin_login_throttle
        key = (t.c.scope == scope, t.c.subject == subject)
        await self.session.execute(
            update(t)
            .where(*key, t.c.failures > 0)
            .values(
                failures=t.c.failures - 1,
                next_at=case(
                    (t.c.failures - 1 < free, bindparam("now", now, type_=UtcDateTime())), else_=t.c.next_at
                ),
            )
        )
        await self.session.execute(delete(t).where(*key, t.c.failures <= 0))

    async def forget_throttle_count(self, scope: str, subject: str) -> None:
        """Drop a counter (a known device signed in: its count starts again)."""
        t = admin_login_throttle
        await self.session.execute(delete(t).where(t.c.scope == scope, t.c.subject == subject))

    async def prune_throttle_counts(self, now: datetime) -> None:
        """Drop up to PRUNE_BATCH counters that are forgotten anyway.

        Rows another attempt holds are skipped, not waited for (SKIP LOCKED on PostgreSQL), so this
        housekeeping never waits in a circle with the attempts it runs beside.
        """
        t = admin_login_throttle
        stale = (
            select(t.c.scope, t.c.subject)
            .where(t.c.forget_at <= now)
            .limit(PRUNE_BATCH)
            .with_for_update(skip_locked=True)
        )
        await self.session.execute(
            delete(t).where(tuple_(t.c.scope, t.c.subject).in_(stale), t.c.forget_at <= now)
        )

    async def get_device(self, device_id: str) -> DeviceRecord | None:
        """The known device with this id (hash), expired or not; None when there is none."""
        row = (
            (await self.session.execute(select(admin_devices).where(admin_devices.c.id == device_id)))
            .mappings()
            .first()
        )
        return DeviceRecord(**dict(row)) if row is not None else None

    async def add_device(self, record: DeviceRecord) -> None:
        """Remember a browser that just signed in."""
        await self.session.execute(
            insert(admin_devices).values(
                id=record.id,
                staff_id=record.staff_id,
                created_at=record.created_at,
                last_login_at=record.last_login_at,
                expires_at=record.expires_at,
            )
        )

    async def touch_device(self, device_id: str, now: datetime, expires_at: datetime) -> None:
        """Record a sign-in from a known device and push its expiry back."""
        await self.session.execute(
            update(admin_devices)
            .where(admin_devices.c.id == device_id)
            .values(last_login_at=now, expires_at=expires_at)
        )

    async def delete_devices_of(self, staff_id: str) -> int:
        """Forget every known device of a staff member (after a password change); return how many."""
        result = await self.session.execute(delete(admin_devices).where(admin_devices.c.staff_id == staff_id))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def prune_devices(self, now: datetime) -> None:
        """Drop up to PRUNE_BATCH expired devices (rows in use elsewhere are skipped, not waited for)."""
        d = admin_devices
        expired = (
            select(d.c.id).where(d.c.expires_at <= now).limit(PRUNE_BATCH).with_for_update(skip_locked=True)
        )
        await self.session.execute(delete(d).where(d.c.id.in_(expired), d.c.expires_at <= now))

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

    async def record(
        self, at: datetime, author: str, action: str, article_id: str, detail: dict[str, Any] | None
    ) -> None:
        """`kb_search.ports.KbAudit`: KB changes go to the admin audit log, whoever made them."""
        await self.audit(at, author, action, article_id, detail)

    async def recent_audit(self, limit: int = 20, target: str | None = None) -> list[AuditEntry]:
        """The newest audit entries first (of one target when given)."""
        query = select(admin_audit).order_by(admin_audit.c.id.desc()).limit(limit)
        if target is not None:
            query = query.where(admin_audit.c.target == target)
        return [AuditEntry(**dict(r)) for r in (await self.session.execute(query)).mappings()]
