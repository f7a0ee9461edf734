"""The outbox's NOTIFY leaves the database (PostgreSQL): the app rings it after its commits, at most every 50 ms.

Migration 0018's trigger sent `NOTIFY helpdesk_outbox` from every transaction that queued a message. A
transaction that has notified takes one database-wide lock at commit and holds it through its WAL flush, so
those commits ran one at a time: 12 writers inserting into `outbox` managed 140-170 commits/s with the
trigger against 2,700-3,300 without (pgbench, side by side), below the 205 client messages/s the dialogue
figure asks for. `storage.notify.Bell` now sends one NOTIFY after the commits of each 50 ms window of a
process, in a statement of its own; listeners and their polling are unchanged.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
        op.execute("DROP FUNCTION IF EXISTS helpdesk_outbox_notify()")


def downgrade() -> None:
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
