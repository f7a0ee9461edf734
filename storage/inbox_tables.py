"""The durable inbox: every inbound message as it arrived, recorded before the platform hears 200.

A row is written in its own short transaction when a webhook, a poll or the web chat hands a message
over; handling then runs from here (`storage.inbox`, `helpdesk.inbox`), in order per chat, with retries,
and a message that keeps failing stays as a dead letter for admins to replay. Mirrored by migration 0011.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, String, Table, Text, text

from storage.db import metadata
from storage.tables import ID
from storage.types import UtcDateTime

inbox = Table(
    "inbox",
    metadata,
    # Arrival order: one chat's rows are handled by increasing id.
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The platform's update id (Inbound.dedup_key): a re-sent update is recorded once.
    Column("dedup_key", String(200), nullable=False, unique=True),
    # "<channel>:<bot>:<chat_id>": rows of one chat are handled one at a time, oldest first.
    Column("chat_key", String(208), nullable=False),
    Column("payload", JSON, nullable=False),  # Inbound.to_dict()
    Column("status", String(16), nullable=False),  # pending, done, dead
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("claimed_by", String(ID), nullable=True),
    Column("claimed_until", UtcDateTime(), nullable=True),
    Column("done_at", UtcDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    # The sender was told once that a person will get back to them (dead letters only).
    Column("notified", Boolean, nullable=False, server_default="0"),
    # Only the rows still to handle: the claim query and the per-chat order check walk these.
    Index(
        "ix_inbox_pending",
        "chat_key",
        "id",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
    Index(
        "ix_inbox_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
    Index("ix_inbox_status_received", "status", "received_at"),
)
