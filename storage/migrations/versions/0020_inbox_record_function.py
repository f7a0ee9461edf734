"""Recording an inbound message in one round trip on PostgreSQL (issue #15).

`helpdesk_inbox_record` takes the chat's advisory lock and inserts the row, claimed by the recorder when it
is next in its chat (and asked to), in one call. The inbox calls it outside a transaction (autocommit): one round trip
instead of BEGIN, the lock, the insert and COMMIT, on a path every message takes. The insert runs as a
statement of its own after the lock (a volatile PL/pgSQL function takes a fresh snapshot per statement in
READ COMMITTED), so it sees every older row of the chat that committed before, as the two statements did.
The body is frozen here; `storage.inbox.record_and_claim` documents the rule it keeps. SQLite has no
functions and keeps its one statement.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREATE = """
CREATE FUNCTION helpdesk_inbox_record(
    p_dedup_key varchar, p_chat varchar, p_payload json, p_at timestamptz,
    p_worker varchar, p_until timestamptz, p_claim boolean, p_after_mine boolean
) RETURNS SETOF inbox LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_blocked boolean;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(p_chat));
    -- Claimed by the recorder (p_claim) unless an older pending row of the chat holds it back, and that
    -- row is not one the recorder holds with a live lease and handles first (p_after_mine).
    SELECT NOT p_claim OR EXISTS (
        SELECT 1 FROM inbox AS older
        WHERE older.chat_key = p_chat AND older.status = 'pending'
          AND (p_after_mine AND older.claimed_by = p_worker AND older.claimed_until > p_at) IS NOT TRUE
    ) INTO v_blocked;
    RETURN QUERY
    INSERT INTO inbox AS r (dedup_key, chat_key, payload, status, attempts, received_at, next_attempt_at,
                              notified, claimed_by, claimed_until)
    VALUES (p_dedup_key, p_chat, p_payload, 'pending', CASE WHEN v_blocked THEN 0 ELSE 1 END, p_at, p_at,
            false, CASE WHEN v_blocked THEN NULL ELSE p_worker END,
            CASE WHEN v_blocked THEN NULL ELSE p_until END)
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING r.*;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS helpdesk_inbox_record"
            "(varchar, varchar, json, timestamptz, varchar, timestamptz, boolean, boolean)"
        )
