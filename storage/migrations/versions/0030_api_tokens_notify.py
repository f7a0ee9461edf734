"""A NOTIFY when an API token is created, revoked or changed (PostgreSQL), for the processes' token caches.

Every process keeps the API tokens it has looked up (`storage.token_cache.TokenCache`) instead of reading
`api_tokens` in a transaction of its own on every request. These triggers send `NOTIFY helpdesk_api_tokens`
when a transaction that added, deleted, revoked, renamed or re-scoped a token commits; each process LISTENs
and forgets its cached tokens, so a revocation is refused at once. Touching `last_used_at` (once a minute per
token and process) does not notify. Tokens change rarely, so the database-wide lock a notifying commit takes
(see migration 0024) costs nothing that matters here. Only adds: the old code ignores the NOTIFY.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | Sequence[str] | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION helpdesk_api_tokens_notify() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN PERFORM pg_notify('helpdesk_api_tokens', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER api_tokens_notify_rows AFTER INSERT OR DELETE ON api_tokens"
        " FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_api_tokens_notify()"
    )
    # scopes is `json`, which has no equality operator: compare its text.
    op.execute(
        "CREATE TRIGGER api_tokens_notify_change AFTER UPDATE ON api_tokens FOR EACH ROW"
        " WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.name IS DISTINCT FROM NEW.name"
        " OR OLD.token_hash IS DISTINCT FROM NEW.token_hash OR OLD.scopes::text IS DISTINCT FROM NEW.scopes::text)"
        " EXECUTE FUNCTION helpdesk_api_tokens_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS api_tokens_notify_change ON api_tokens")
        op.execute("DROP TRIGGER IF EXISTS api_tokens_notify_rows ON api_tokens")
        op.execute("DROP FUNCTION IF EXISTS helpdesk_api_tokens_notify()")
