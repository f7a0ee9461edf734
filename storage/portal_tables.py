"""Client portal tables: one-time login links, the requests for them (rate limits), and portal sessions.

Also the indexes the portal's ticket list needs on `tickets` (a client's or a contact's tickets, newest number
first; a trigram index for the text search on PostgreSQL). Mirrored by migration `0028_client_portal.py`.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from storage.db import metadata
from storage.tables import ID, tickets
from storage.types import UtcDateTime

portal_links = Table(
    "portal_links",
    metadata,
    # sha256 hex of the link's secret: a leaked table gives no working links.
    Column("id", String(64), primary_key=True),
    Column("contact_id", String(ID), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime(), nullable=True),
    Index("ix_portal_links_contact_id", "contact_id"),
    Index("ix_portal_links_expires_at", "expires_at"),
)

portal_link_requests = Table(
    "portal_link_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("contact_id", String(ID), nullable=True),  # None: nobody known by what was typed
    Index("ix_portal_link_requests_ip_at", "ip", "at"),
    Index("ix_portal_link_requests_contact_at", "contact_id", "at"),
)

portal_sessions = Table(
    "portal_sessions",
    metadata,
    # sha256 hex of the cookie value, as the admin's sessions.
    Column("id", String(64), primary_key=True),
    Column("contact_id", String(ID), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("ip", String(64), nullable=True),
    Index("ix_portal_sessions_contact_id", "contact_id"),
    Index("ix_portal_sessions_expires_at", "expires_at"),
)

# A client's tickets (a manager's list) and a contact's own, newest number first: index scans at 100k rows.
Index("ix_tickets_client_id_number", tickets.c.client_id, tickets.c.number)
Index("ix_tickets_contact_id_number", tickets.c.contact_id, tickets.c.number)
# The list's text search (ILIKE '%...%'): a trigram GIN index on PostgreSQL (a plain one on SQLite).
Index(
    "ix_tickets_description_trgm",
    tickets.c.description,
    postgresql_using="gin",
    postgresql_ops={"description": "gin_trgm_ops"},
)

PORTAL_TABLES = (portal_links, portal_link_requests, portal_sessions)
