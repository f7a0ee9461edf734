"""Take, keep and give back a singleton's lease (`storage.lease_tables`), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.lease_tables import leases


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a job and since when."""

    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


async def hold(conn: AsyncConnection, name: str, holder: str, *, now: datetime, ttl_s: float) -> Lease:
    """Take the lease `name` for `holder` if it is free or expired, or renew it if `holder` has it.

    One upsert: a concurrent taker waits on the row and then sees it held. Returns the lease as it stands
    after the statement; the caller holds it when `lease.holder == holder`.
    """
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    until = now + timedelta(seconds=ttl_s)
    stmt = insert(leases).values(name=name, holder=holder, acquired_at=now, expires_at=until)
    stmt = stmt.on_conflict_do_update(
        index_elements=[leases.c.name],
        set_={
            "holder": stmt.excluded.holder,
            "expires_at": stmt.excluded.expires_at,
            "acquired_at": case(
                (leases.c.holder == stmt.excluded.holder, leases.c.acquired_at),
                else_=stmt.excluded.acquired_at,
            ),
        },
        where=or_(leases.c.holder == stmt.excluded.holder, leases.c.expires_at < now),
    )
    await conn.execute(stmt)
    row = (await conn.execute(select(leases).where(leases.c.name == name))).mappings().one()
    return Lease(row["name"], row["holder"], row["acquired_at"], row["expires_at"])


async def release(conn: AsyncConnection, name: str, holder: str) -> bool:
    """Give the lease back (a clean stop: the next process need not wait for it to expire)."""
    result = await conn.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))
    return bool(result.rowcount)


async def get(conn: AsyncConnection, name: str) -> Lease | None:
    """The lease `name` as it stands (held or expired), or None."""
    row = (await conn.execute(select(leases).where(leases.c.name == name))).mappings().first()
    return None if row is None else Lease(row["name"], row["holder"], row["acquired_at"], row["expires_at"])
