"""A NOTIFY on every outbox insert (PostgreSQL), so a worker sends a reply queued by a web process at once.

A statement-level trigger on `outbox` sends `NOTIFY helpdesk_outbox` when a transaction that queued messages
commits; workers LISTEN (storage.notify) and wake their delivery loop instead of waiting for its next poll
(WORKER_POLL_S, 0.5 s), which stays as the safety net. SQLite runs one process, which wakes its own loop.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION helpdesk_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN PERFORM pg_notify('helpdesk_outbox', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox"
        " FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_outbox_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
        op.execute("DROP FUNCTION IF EXISTS helpdesk_outbox_notify()")
