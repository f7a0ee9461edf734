"""SQL repositories for the REST API: integration tokens (stored as hashes) and the API audit log.

Both work on the caller's session and never commit; the unit of work does.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from storage.api_tables import api_audit, api_tokens
from storage.repositories._sql import json_safe


@dataclass(frozen=True, slots=True)
class ApiTokenRecord:
    """One stored token: its name, scopes and life; never the token itself."""

    id: str
    name: str
    token_hash: str
    scopes: tuple[str, ...]
    created_at: datetime
    created_by: str | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        """True until the token is revoked."""
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change made through the API."""

    id: int
    at: datetime
    token_name: str
    method: str
    path: str
    action: str
    target: str | None
    detail: dict[str, Any] | None


def _token(row: RowMapping) -> ApiTokenRecord:
    return ApiTokenRecord(
        id=row["id"],
        name=row["name"],
        token_hash=row["token_hash"],
        scopes=tuple(row["scopes"] or ()),
        created_at=row["created_at"],
        created_by=row["created_by"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


class SqlApiTokenRepository:
    """Integration tokens, looked up by the sha256 of the presented token."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, record: ApiTokenRecord) -> None:
        """Insert a new token record (the caller checked that the name is free)."""
        await self.session.execute(
            insert(api_tokens).values(
                id=record.id,
                name=record.name,
                token_hash=record.token_hash,
                scopes=list(record.scopes),
                created_at=record.created_at,
                created_by=record.created_by,
                last_used_at=None,
                revoked_at=None,
            )
        )

    async def find_by_hash(self, token_hash: str) -> ApiTokenRecord | None:
        """The token whose hash is `token_hash` (revoked or not), or None."""
        row = (
            (await self.session.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)))
            .mappings()
            .first()
        )
        return _token(row) if row is not None else None

    async def get_by_name(self, name: str) -> ApiTokenRecord | None:
        """The token called `name`, or None."""
        row = (
            (await self.session.execute(select(api_tokens).where(api_tokens.c.name == name)))
            .mappings()
            .first()
        )
        return _token(row) if row is not None else None

    async def list(self) -> builtins.list[ApiTokenRecord]:
        """Every token, oldest first."""
        query = select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.name)
        return [_token(r) for r in (await self.session.execute(query)).mappings()]

    async def revoke(self, name: str, at: datetime) -> bool:
        """Revoke the token called `name`; False when there is no such active token."""
        result = await self.session.execute(
            update(api_tokens)
            .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return bool(getattr(result, "rowcount", 0))

    async def touch(self, token_id: str, at: datetime) -> None:
        """Remember when the token was last used."""
        await self.session.execute(
            update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at)
        )


class SqlApiAudit:
    """Append-only log of the changes integrations made through the API.

    `add` keeps the entry; the unit of work writes it at commit together with the ticket events
    (`storage.log_writes`: one statement for both on PostgreSQL), so it commits (or not) with the change.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.pending: builtins.list[dict[str, Any]] = []

    async def add(
        self,
        at: datetime,
        token_name: str,
        method: str,
        path: str,
        action: str,
        target: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry in the caller's transaction (written at its commit)."""
        self.pending.append(
            {
                "at": at,
                "token_name": token_name,
                "method": method[:8],
                "path": path[:300],
                "action": action[:64],
                "target": target[:200] if target else None,
                "detail": json_safe(detail) if detail is not None else None,
            }
        )

    def take_pending(self) -> builtins.list[dict[str, Any]]:
        """The entries added since the last call, for the commit to write."""
        rows, self.pending = self.pending, []
        return rows

    async def flush(self) -> None:
        """Write the entries added so far now (before reading the log in the same transaction)."""
        rows = self.take_pending()
        if rows:
            await self.session.execute(insert(api_audit).values(rows))

    async def list(self, limit: int = 100) -> builtins.list[AuditEntry]:
        """The latest entries, newest first."""
        await self.flush()
        query = select(api_audit).order_by(api_audit.c.id.desc()).limit(limit)
        return [
            AuditEntry(
                r["id"],
                r["at"],
                r["token_name"],
                r["method"],
                r["path"],
                r["action"],
                r["target"],
                r["detail"],
            )
            for r in (await self.session.execute(query)).mappings()
        ]
