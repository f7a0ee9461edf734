"""Core domain tables: directory, tickets, offers, comments, audit log, counters, outbox, dialogue state.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), server_default="company", nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_clients"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("client_id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("lang", sa.String(8), server_default="ru", nullable=False),
        _ts("created_at"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name="fk_contacts_client_id_clients"),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
    )
    op.create_index("ix_contacts_client_id", "contacts", ["client_id"])
    op.create_index("ix_contacts_phone", "contacts", ["phone"])
    op.create_table(
        "sites",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("client_id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("timezone", sa.String(64), server_default="Europe/Moscow", nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name="fk_sites_client_id_clients"),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
    )
    op.create_index("ix_sites_client_id", "sites", ["client_id"])
    op.create_table(
        "contracts",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("client_id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("preferred_engineers", sa.JSON(), nullable=False),
        sa.Column("excluded_engineers", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name="fk_contracts_client_id_clients"),
        sa.PrimaryKeyConstraint("id", name="pk_contracts"),
    )
    op.create_index("ix_contracts_client_id", "contracts", ["client_id"])
    op.create_table(
        "staff",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("home_lat", sa.Float(), nullable=True),
        sa.Column("home_lon", sa.Float(), nullable=True),
        sa.Column("level", sa.Integer(), server_default="1", nullable=False),
        sa.Column("max_parallel_jobs", sa.Integer(), server_default="3", nullable=False),
        sa.Column("on_shift", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("lang", sa.String(8), server_default="ru", nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("join_code", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff"),
        sa.UniqueConstraint("join_code", name="uq_staff_join_code"),
    )
    op.create_table(
        "channel_accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("bot", sa.String(32), nullable=False),
        sa.Column("account_id", sa.String(ID), nullable=False),
        sa.Column("person_kind", sa.String(16), nullable=False),
        sa.Column("person_id", sa.String(ID), nullable=False),
        sa.Column("chat_id", sa.String(ID), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_channel_accounts"),
        sa.UniqueConstraint("channel", "bot", "account_id", name="uq_channel_accounts_channel_bot_account"),
    )
    op.create_index("ix_channel_accounts_person_id", "channel_accounts", ["person_id"])
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(ID), nullable=False),
        sa.Column("contact_id", sa.String(ID), nullable=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("priority", sa.String(4), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _ts("created_at", nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("site_id", sa.String(ID), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("assignee_id", sa.String(ID), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("source_channel", sa.String(32), nullable=True),
        _ts("updated_at"),
        _ts("offered_at"),
        _ts("accepted_at"),
        _ts("started_at"),
        _ts("on_hold_at"),
        _ts("resolved_at"),
        _ts("closed_at"),
        _ts("cancelled_at"),
        _ts("reopened_at"),
        _ts("first_response_at"),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("time_spent_min", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name="fk_tickets_client_id_clients"),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
        sa.UniqueConstraint("number", name="uq_tickets_number"),
    )
    op.create_index("ix_tickets_status", "tickets", ["status"])
    op.create_index("ix_tickets_client_id", "tickets", ["client_id"])
    op.create_index("ix_tickets_assignee_id", "tickets", ["assignee_id"])
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    op.create_table(
        "offers",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("ticket_id", sa.String(ID), nullable=False),
        sa.Column("engineer_id", sa.String(ID), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _ts("created_at", nullable=False),
        _ts("expires_at", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _ts("decided_at"),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_offers_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_offers"),
    )
    op.create_index("ix_offers_ticket_status", "offers", ["ticket_id", "status"])
    op.create_index("ix_offers_status_expires", "offers", ["status", "expires_at"])
    op.create_table(
        "comments",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("ticket_id", sa.String(ID), nullable=False),
        sa.Column("author", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        _ts("created_at", nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_comments_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
    )
    op.create_index("ix_comments_ticket_id", "comments", ["ticket_id"])
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.String(ID), nullable=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("actor", sa.JSON(), nullable=False),
        _ts("at", nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_events"),
    )
    op.create_index("ix_ticket_events_ticket_id_id", "ticket_events", ["ticket_id", "id"])
    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )
    # Seeded so the first ticket is HD-1001.
    op.bulk_insert(counters, [{"name": "ticket", "value": 1000}])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("bot", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.String(ID), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _ts("next_attempt_at", nullable=False),
        _ts("created_at", nullable=False),
        _ts("sent_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(ID), nullable=True),
        _ts("claimed_until"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_status_next_attempt", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_chat", "outbox", ["channel", "bot", "chat_id", "id"])
    op.create_table(
        "inbound_log",
        sa.Column("dedup_key", sa.String(200), nullable=False),
        _ts("at", nullable=False),
        sa.PrimaryKeyConstraint("dedup_key", name="pk_inbound_log"),
    )
    op.create_table(
        "conversations",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        _ts("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_conversations"),
    )
    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        _ts("at", nullable=False),
        sa.Column("contact_id", sa.String(ID), nullable=True),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("article_id", sa.String(ID), nullable=True),
        sa.Column("ticket_id", sa.String(ID), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_interactions"),
    )
    op.create_index("ix_interactions_kind_at", "interactions", ["kind", "at"])
    op.create_table(
        "webchat_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bot", sa.String(32), nullable=False),
        sa.Column("chat_id", sa.String(ID), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        _ts("at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webchat_messages"),
    )
    op.create_index("ix_webchat_messages_bot_chat", "webchat_messages", ["bot", "chat_id", "id"])


def downgrade() -> None:
    # Children before parents, so foreign keys never point at a dropped table.
    for table in (
        "webchat_messages",
        "interactions",
        "conversations",
        "inbound_log",
        "outbox",
        "counters",
        "ticket_events",
        "comments",
        "offers",
        "tickets",
        "channel_accounts",
        "staff",
        "contracts",
        "sites",
        "contacts",
        "clients",
    ):
        op.drop_table(table)
