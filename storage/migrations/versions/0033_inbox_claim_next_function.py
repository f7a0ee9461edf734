"""A turn claims its chat's next inbox row in its own transaction, under the chat's lock (issue #17).

With several web processes a balancer spreads one chat's quick messages over them: the next message is
often recorded by one process while another works on the chat. The holder used to learn of it from a NOTIFY
the recorder sent (a statement of its own) and then claimed it in another; in the gap a worker's loop could
take it. `helpdesk_inbox_claim_next` takes the chat's advisory lock, the one `helpdesk_inbox_record`
(migration 0020) takes, optionally marks a row done, and claims the chat's oldest pending row when it is due
and nobody holds it. The turn calls it as its last statement, so whichever comes first, the turn's commit or
the other process's record, the other sees it: a row recorded before is claimed by the turn, a row recorded
after finds the chat free and is claimed by its recorder. Each statement after the lock takes a fresh
snapshot (a volatile PL/pgSQL function in READ COMMITTED). Only adds a function: the old code runs on it
unchanged. `storage.inbox.mark_done_and_claim_next` documents the rule it keeps.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | Sequence[str] | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREATE = """
CREATE FUNCTION helpdesk_inbox_claim_next(
    p_chat varchar, p_worker varchar, p_at timestamptz, p_until timestamptz, p_done integer
) RETURNS SETOF inbox LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext(p_chat));
    IF p_done IS NOT NULL THEN
        UPDATE inbox SET status = 'done', done_at = p_at, claimed_by = NULL, claimed_until = NULL,
                         last_error = NULL
        WHERE id = p_done AND status = 'pending';
    END IF;
    -- The chat's oldest pending row, when it is due and free. A row another process is claiming right now
    -- is re-read after its commit (the outer WHERE), and then no longer free.
    RETURN QUERY
    UPDATE inbox AS r SET claimed_by = p_worker, claimed_until = p_until, attempts = r.attempts + 1
    WHERE r.id = (SELECT n.id FROM inbox AS n WHERE n.chat_key = p_chat AND n.status = 'pending'
                  ORDER BY n.id LIMIT 1)
      AND r.status = 'pending' AND r.next_attempt_at <= p_at
      AND (r.claimed_until IS NULL OR r.claimed_until <= p_at)
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
            "DROP FUNCTION IF EXISTS helpdesk_inbox_claim_next(varchar, varchar, timestamptz, timestamptz, integer)"
        )
