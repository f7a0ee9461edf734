"""REST API tables: integration tokens (hashed), the audit of every change made through the API, and
webhook subscriptions.

Mirrored by the hand-written migration `0005_api.py`.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text

from storage.db import metadata
from storage.tables import ID
from storage.types import UtcDateTime

TOKEN_NAME = 48
"""Token names become authors ("api:<name>") in 64-character author columns."""

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(TOKEN_NAME), nullable=False, unique=True),
    # sha256 hex of the token: the token itself is shown once and never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(ID), nullable=True),
    Column("last_used_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

api_audit = Table(
    "api_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("token_name", String(TOKEN_NAME), nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(300), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=True),
    Column("detail", JSON, nullable=True),
    Index("ix_api_audit_at", "at"),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("url", Text, nullable=False),
    Column("events", JSON, nullable=False),
    # Kept in clear: every delivery is signed with it (HMAC), so it cannot be hashed.
    Column("secret", String(128), nullable=False),
    Column("description", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(TOKEN_NAME), nullable=True),
)

API_TABLES = (api_tokens, api_audit, webhook_subscriptions)
