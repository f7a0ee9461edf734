"""Web admin tables: staff passwords, server-side sessions, login throttling, known devices and the audit.

Also the indexes the admin lists need on tables other modules own (tickets by site, by status in number
order; trigram indexes for the KB text filter on PostgreSQL). Mirrored by the hand-written migrations
`0007_web_admin.py` and `0012_login_throttle.py` (the throttle counters and known devices).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table

from storage.db import metadata
from storage.kb_tables import kb_articles
from storage.tables import ID, tickets
from storage.types import UtcDateTime

admin_logins = Table(
    "admin_logins",
    metadata,
    Column("staff_id", String(ID), primary_key=True),
    # "scrypt$n$r$p$salt$hash": the parameters travel with the hash so they can be raised later.
    Column("password_hash", String(255), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

admin_sessions = Table(
    "admin_sessions",
    metadata,
    # sha256 hex of the cookie value: a leaked table does not give working cookies.
    Column("id", String(64), primary_key=True),
    Column("staff_id", String(ID), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("ip", String(64), nullable=True),
    Index("ix_admin_sessions_staff_id", "staff_id"),
    Index("ix_admin_sessions_expires_at", "expires_at"),
)

admin_login_failures = Table(
    "admin_login_failures",
    metadata,
    # A log of the failed logins whose password was checked (who tried which login from where), kept for
    # two throttle windows; the throttle itself counts in `admin_login_throttle`.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("login", String(ID), nullable=False),
    Index("ix_admin_login_failures_ip_at", "ip", "at"),
    Index("ix_admin_login_failures_login_at", "login", "at"),
)

admin_login_throttle = Table(
    "admin_login_throttle",
    metadata,
    # One counter per address (IPv6: its /64), per login (attempts from unknown browsers) and per known
    # device; `helpdesk.admin.login_throttle` says how they are counted. A login attempt locks its rows
    # (an upsert) before it reads them, so concurrent attempts in any process are counted one at a time.
    Column("scope", String(16), primary_key=True),
    Column("subject", String(ID), primary_key=True),
    # Failed attempts counted, the ones still being checked included (a crash mid-check counts as failed).
    Column("failures", Integer, nullable=False),
    Column("next_at", UtcDateTime(), nullable=False),  # no attempt is checked before then
    Column("forget_at", UtcDateTime(), nullable=False),  # from then on the count starts again
    Index("ix_admin_login_throttle_forget_at", "forget_at"),
)

admin_devices = Table(
    "admin_devices",
    metadata,
    # sha256 hex of the device cookie value: a browser that signed in as `staff_id` before. It escapes the
    # per-login limit that slows down unknown browsers, so an attacker cannot keep the real user out.
    Column("id", String(64), primary_key=True),
    Column("staff_id", String(ID), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_login_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_admin_devices_staff_id", "staff_id"),
    Index("ix_admin_devices_expires_at", "expires_at"),
)

admin_audit = Table(
    "admin_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("staff_id", String(ID), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=True),
    Column("detail", JSON, nullable=True),
    Index("ix_admin_audit_at", "at"),
)

# The ticket list filters by site and by status, newest number first; both stay index scans at 10k+ rows.
Index("ix_tickets_site_id_number", tickets.c.site_id, tickets.c.number)
Index("ix_tickets_status_number", tickets.c.status, tickets.c.number)

# The KB list's text filter (ILIKE '%...%'): trigram GIN indexes on PostgreSQL (plain indexes on SQLite).
Index(
    "ix_kb_articles_title_trgm",
    kb_articles.c.title,
    postgresql_using="gin",
    postgresql_ops={"title": "gin_trgm_ops"},
)
Index(
    "ix_kb_articles_body_trgm",
    kb_articles.c.body,
    postgresql_using="gin",
    postgresql_ops={"body": "gin_trgm_ops"},
)

ADMIN_TABLES = (
    admin_logins,
    admin_sessions,
    admin_login_failures,
    admin_login_throttle,
    admin_devices,
    admin_audit,
)
