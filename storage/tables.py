"""The core domain tables: directory, tickets, offers, audit log, outbox and dialogue state.

Every timestamp column is `UtcDateTime`. Column order and names here are mirrored by the hand-written
migration `0001_core.py`; `tests/integration/test_migrations.py` checks that they agree.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from storage.db import metadata
from storage.types import UtcDateTime

ID = 64
"""Length of every id column (uuid4 strings and readable slugs both fit)."""

clients = Table(
    "clients",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False, server_default="company"),
    Column("created_at", UtcDateTime(), nullable=True),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("client_id", String(ID), ForeignKey("clients.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("phone", String(32), nullable=True, index=True),
    Column("lang", String(8), nullable=False, server_default="ru"),
    Column("created_at", UtcDateTime(), nullable=True),
    Column("email", String(254), nullable=True, index=True),  # lower-cased (migration 0022)
    # The client portal's scope (migration 0028): a manager sees every site, others their own site's tickets.
    Column("manager", Boolean, nullable=False, server_default="0"),
    Column("site_id", String(ID), nullable=True),
)

sites = Table(
    "sites",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("client_id", String(ID), ForeignKey("clients.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("address", Text, nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("timezone", String(64), nullable=False, server_default="Europe/Moscow"),
    Column("region", String(32), nullable=True),  # migration 0006
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("client_id", String(ID), ForeignKey("clients.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("categories", JSON, nullable=False),
    Column("preferred_engineers", JSON, nullable=False),
    Column("excluded_engineers", JSON, nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
)

staff = Table(
    "staff",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("skills", JSON, nullable=False),
    Column("home_lat", Float, nullable=True),
    Column("home_lon", Float, nullable=True),
    Column("level", Integer, nullable=False, server_default="1"),
    Column("max_parallel_jobs", Integer, nullable=False, server_default="3"),
    Column("on_shift", Boolean, nullable=False, server_default="1"),
    Column("lang", String(8), nullable=False, server_default="ru"),
    Column("phone", String(32), nullable=True),
    Column("join_code", String(64), nullable=True, unique=True),
    # Engineer profile (migration 0006): region codes (a JSON list; NULL: any), weekly hours, time zone.
    Column("regions", JSON, nullable=True),
    Column("working_hours", String(400), nullable=True),
    Column("timezone", String(64), nullable=False, server_default="Europe/Moscow"),
)

channel_accounts = Table(
    "channel_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("bot", String(32), nullable=False),
    Column("account_id", String(ID), nullable=False),
    Column("person_kind", String(16), nullable=False),
    Column("person_id", String(ID), nullable=False, index=True),
    Column("chat_id", String(ID), nullable=False),
    # The person unsubscribed this account (a mail address) from notifications (migration 0031).
    Column("muted", Boolean, nullable=False, server_default="0"),
    UniqueConstraint("channel", "bot", "account_id", name="uq_channel_accounts_channel_bot_account"),
)

tickets = Table(
    "tickets",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("number", Integer, nullable=False, unique=True),
    Column("client_id", String(ID), ForeignKey("clients.id"), nullable=False, index=True),
    Column("contact_id", String(ID), nullable=True),
    Column("category", String(64), nullable=False),
    Column("priority", String(4), nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, index=True),
    Column("status", String(20), nullable=False, index=True),
    Column("site_id", String(ID), nullable=True),
    Column("address", Text, nullable=True),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("assignee_id", String(ID), nullable=True, index=True),
    Column("attachments", JSON, nullable=False),
    Column("source_channel", String(32), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=True),
    Column("offered_at", UtcDateTime(), nullable=True),
    Column("accepted_at", UtcDateTime(), nullable=True),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("on_hold_at", UtcDateTime(), nullable=True),
    # Reports range over resolve times (migration 0008).
    Column("resolved_at", UtcDateTime(), nullable=True, index=True),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Column("reopened_at", UtcDateTime(), nullable=True),
    Column("first_response_at", UtcDateTime(), nullable=True),
    Column("resolution_note", Text, nullable=True),
    Column("time_spent_min", Integer, nullable=True),
    Column("rating", Integer, nullable=True),
    Column("rating_comment", Text, nullable=True),
    Column("reopen_count", Integer, nullable=False, server_default="0"),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("min_level", Integer, nullable=False, server_default="1"),  # migration 0006
)

ticket_followers = Table(
    "ticket_followers",
    metadata,
    # Contacts of the ticket's client who hear about it besides its own contact (migration 0029).
    Column("ticket_id", String(ID), ForeignKey("tickets.id"), primary_key=True),
    Column("contact_id", String(ID), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

offers = Table(
    "offers",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("ticket_id", String(ID), ForeignKey("tickets.id"), nullable=False),
    Column("engineer_id", String(ID), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("reason", Text, nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("score", Float, nullable=True),
    Index("ix_offers_ticket_status", "ticket_id", "status"),
    Index("ix_offers_status_expires", "status", "expires_at"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("ticket_id", String(ID), ForeignKey("tickets.id"), nullable=False, index=True),
    Column("author", JSON, nullable=False),
    Column("text", Text, nullable=False),
    Column("visibility", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("attachments", JSON, nullable=False),
)

ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # No foreign key: the audit log outlives what it describes and also holds events without a ticket.
    Column("ticket_id", String(ID), nullable=True),
    Column("name", String(64), nullable=False),
    Column("actor", JSON, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("bot", String(32), nullable=False),
    Column("chat_id", String(ID), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime(), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("claimed_by", String(ID), nullable=True),
    Column("claimed_until", UtcDateTime(), nullable=True),
    # The dedup key of the inbound message whose handling queued this row (None for system work).
    Column("inbound_key", String(200), nullable=True),
    # "chat" (payload: an Outbound) or "webhook" (payload: a WebhookDelivery); NULL: queued before 0025,
    # its kind follows from its channel (storage.outbox_delivery.OutboxKind).
    Column("kind", String(16), nullable=True),
    Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
    Index("ix_outbox_inbound_key", "inbound_key"),
    # Per-chat order checks and chat history both walk one chat's rows by id.
    Index("ix_outbox_chat", "channel", "bot", "chat_id", "id"),
)

inbound_log = Table(
    "inbound_log",
    metadata,
    Column("dedup_key", String(200), primary_key=True),
    # Lost-request reports range over arrival times (migration 0008).
    Column("at", UtcDateTime(), nullable=False, index=True),
    # Set with the first outbox row queued in reply (SqlOutbox, same transaction; migration 0009).
    Column("answered", Boolean, nullable=False, server_default="0"),
    # Only the unanswered messages: the lost-requests figure counts these (storage/reports.py).
    Index(
        "ix_inbound_log_unanswered",
        "at",
        "dedup_key",
        postgresql_where=text("NOT answered"),
        sqlite_where=text("NOT answered"),
    ),
)

conversations = Table(
    "conversations",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("state", JSON, nullable=False),  # JSON null once cleared: the row keeps its version
    Column("updated_at", UtcDateTime(), nullable=False),
    # One more on every save or clear (migration 0034): Redis's mirror never takes an older state over a newer.
    Column("version", BigInteger, nullable=False, server_default="0"),
)

interactions = Table(
    "interactions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("contact_id", String(ID), nullable=True),
    Column("channel", String(32), nullable=True),
    Column("query", Text, nullable=True),
    Column("article_id", String(ID), nullable=True),
    Column("ticket_id", String(ID), nullable=True),
    Column("data", JSON, nullable=True),
    # The previous interaction of the same (contact, question) and KB class, kept by a trigger
    # (storage.report_rollup_sql, migration 0010): a period's distinct pairs are its rows whose
    # `prev_at` is before it or missing.
    Column("prev_at", UtcDateTime(), nullable=True),
    Index("ix_interactions_kind_at", "kind", "at"),
)

# The report rollups read the tickets cancelled in a period's partial edge days (migration 0010).
Index(
    "ix_tickets_cancelled_at",
    tickets.c.cancelled_at,
    postgresql_where=tickets.c.cancelled_at.is_not(None),
    sqlite_where=tickets.c.cancelled_at.is_not(None),
)

# The triggers' lookup of one KB pair's interactions (migration 0010). The question is hashed on
# PostgreSQL, whose index entries have a size limit; SQLite gets its own form of it from the migration
# (`storage.report_triggers.kb_pair_index`) and does not reflect expression indexes.
Index(
    "ix_interactions_kb_pair",
    text("coalesce(contact_id, '')"),
    text("md5(coalesce(query, ''))"),
    interactions.c.at,
).ddl_if(dialect="postgresql")

webchat_messages = Table(
    "webchat_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bot", String(32), nullable=False),
    Column("chat_id", String(ID), nullable=False),
    Column("message", JSON, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_webchat_messages_bot_chat", "bot", "chat_id", "id"),
)

ticket_threads = Table(
    "ticket_threads",
    metadata,
    # Migration 0006: each ticket's thread in the staff group (a forum topic, or the replies to its card).
    Column("ticket_id", String(ID), ForeignKey("tickets.id"), primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("bot", String(32), nullable=False),
    Column("chat_id", String(ID), nullable=False),
    Column("forum", Boolean, nullable=False),
    Column("thread_id", String(ID), nullable=True),  # the forum topic's message_thread_id
    Column("root_message_id", String(ID), nullable=True),  # the ticket card's message id
    Column("state", String(16), nullable=False),  # opening | open | closed
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_ticket_threads_chat_thread", "channel", "bot", "chat_id", "thread_id"),
    Index("ix_ticket_threads_chat_root", "channel", "bot", "chat_id", "root_message_id"),
)

TICKET_COUNTER = "ticket"
"""Name of the counters row that numbers tickets."""

TICKET_COUNTER_SEED = 1000
"""The counter's start value: the first ticket is HD-1001."""

ticket_numbers = Sequence("ticket_numbers", start=TICKET_COUNTER_SEED + 1, metadata=metadata)
"""PostgreSQL numbers tickets from this sequence: concurrent openings take numbers without waiting on one
counter row until the other commits (an opening that rolls back leaves a gap). SQLite, one writer at a time,
counts in `counters`."""

CORE_TABLES = (
    clients,
    contacts,
    sites,
    contracts,
    staff,
    channel_accounts,
    tickets,
    offers,
    comments,
    ticket_events,
    counters,
    outbox,
    inbound_log,
    conversations,
    interactions,
    webchat_messages,
    ticket_threads,
)
"""Every table this module defines (other modules, like the KB's, add their own to `metadata`)."""
