"""`SqlPortalStore`: the client portal's one-time login links, the requests for them, and portal sessions.

Never commits: the caller's unit of work does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.portal_tables import portal_link_requests, portal_links, portal_sessions
from storage.tables import clients, contacts
from ticket_core.model import Client, Contact

_SESSION_FIELDS = ("id", "contact_id", "csrf_token", "created_at", "last_seen_at", "expires_at", "ip")
_WITH_PERSON = (
    select(
        *(portal_sessions.c[k].label(f"s_{k}") for k in _SESSION_FIELDS),
        *(col.label(f"p_{col.name}") for col in contacts.c),
        *(col.label(f"c_{col.name}") for col in clients.c),
    )
    .join_from(portal_sessions, contacts, contacts.c.id == portal_sessions.c.contact_id)
    .join(clients, clients.c.id == contacts.c.client_id)
    .where(portal_sessions.c.id == bindparam("session_id"))
)  # built once: every portal request resumes its session with it
PRUNE_BATCH = 200
"""Old link requests, used or expired links and expired sessions dropped per call: a short statement."""


@dataclass(frozen=True, slots=True)
class PortalSession:
    """A stored portal session; `id` is the sha256 of the cookie value, never the value itself."""

    id: str
    contact_id: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip: str | None = None


class SqlPortalStore:
    """Login links, link requests and sessions of the client portal, in the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- links --------------------------------------------------------------------------------------------

    async def add_link(self, link_id: str, contact_id: str, now: datetime, expires_at: datetime) -> None:
        """Store a login link (its secret's hash) for a contact."""
        await self.session.execute(
            insert(portal_links).values(
                id=link_id, contact_id=contact_id, created_at=now, expires_at=expires_at
            )
        )

    async def use_link(self, link_id: str, now: datetime) -> str | None:
        """Spend a link: the contact it names when it was unused and unexpired, else None. A link works once,
        whichever process is asked, because the update claims it."""
        claimed = await self.session.execute(
            update(portal_links)
            .where(
                portal_links.c.id == link_id,
                portal_links.c.used_at.is_(None),
                portal_links.c.expires_at > now,
            )
            .values(used_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        contact = await self.session.execute(
            select(portal_links.c.contact_id).where(portal_links.c.id == link_id)
        )
        return contact.scalar_one_or_none()

    async def link_is_usable(self, link_id: str, now: datetime) -> bool:
        """Whether a link would still sign in (read only: the confirmation page shows before it is spent)."""
        row = await self.session.execute(
            select(portal_links.c.id).where(
                portal_links.c.id == link_id,
                portal_links.c.used_at.is_(None),
                portal_links.c.expires_at > now,
            )
        )
        return row.first() is not None

    # -- requests (rate limits) ---------------------------------------------------------------------------

    async def add_request(self, now: datetime, ip: str, contact_id: str | None) -> None:
        """Count one request for a link from `ip` (for `contact_id` when someone was known by what was typed)."""
        await self.session.execute(
            insert(portal_link_requests).values(at=now, ip=ip[:64], contact_id=contact_id)
        )

    async def requests_from(self, ip: str, since: datetime) -> int:
        """Requests for links from one address since a time."""
        r = portal_link_requests.c
        stmt = select(func.count()).select_from(portal_link_requests).where(r.ip == ip[:64], r.at >= since)
        return int((await self.session.execute(stmt)).scalar_one())

    async def requests_for(self, contact_id: str, since: datetime) -> int:
        """Requests that named one contact since a time (from any address)."""
        r = portal_link_requests.c
        stmt = (
            select(func.count())
            .select_from(portal_link_requests)
            .where(r.contact_id == contact_id, r.at >= since)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def prune(self, before: datetime, now: datetime) -> None:
        """Drop a batch of requests older than `before`, of links spent or expired, and of expired sessions."""
        for table, stale in (
            (portal_link_requests, portal_link_requests.c.at < before),
            (portal_links, portal_links.c.expires_at < before),
            (portal_sessions, portal_sessions.c.expires_at < now),
        ):
            ids = select(table.c.id).where(stale).limit(PRUNE_BATCH).scalar_subquery()
            await self.session.execute(delete(table).where(table.c.id.in_(ids)))

    # -- sessions -----------------------------------------------------------------------------------------

    async def add_session(self, record: PortalSession) -> None:
        """Store a new session."""
        await self.session.execute(
            insert(portal_sessions).values(
                id=record.id,
                contact_id=record.contact_id,
                csrf_token=record.csrf_token,
                created_at=record.created_at,
                last_seen_at=record.last_seen_at,
                expires_at=record.expires_at,
                ip=record.ip,
            )
        )

    async def get_session(self, session_id: str) -> PortalSession | None:
        """A session by its id (the hash of the cookie value)."""
        row = (
            (await self.session.execute(select(portal_sessions).where(portal_sessions.c.id == session_id)))
            .mappings()
            .first()
        )
        return PortalSession(**row) if row is not None else None

    async def get_session_with_person(self, session_id: str) -> tuple[PortalSession, Contact, Client] | None:
        """A session with its contact and their client, in one statement (every portal request resumes one);
        None when any of the three is gone."""
        row = (await self.session.execute(_WITH_PERSON, {"session_id": session_id})).mappings().first()
        if row is None:
            return None
        record = PortalSession(**{k: row[f"s_{k}"] for k in _SESSION_FIELDS})
        contact = Contact(
            row["p_id"],
            row["p_client_id"],
            row["p_name"],
            row["p_phone"],
            row["p_lang"],
            row["p_created_at"],
            row["p_email"],
            bool(row["p_manager"]),
            row["p_site_id"],
        )
        return record, contact, Client(row["c_id"], row["c_name"], row["c_kind"], row["c_created_at"])

    async def touch_session(self, session_id: str, now: datetime) -> None:
        """Record activity on a session (the idle timeout counts from it)."""
        await self.session.execute(
            update(portal_sessions).where(portal_sessions.c.id == session_id).values(last_seen_at=now)
        )

    async def delete_session(self, session_id: str) -> None:
        """End one session."""
        await self.session.execute(delete(portal_sessions).where(portal_sessions.c.id == session_id))
