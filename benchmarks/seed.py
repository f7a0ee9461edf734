"""Bulk seeding of a benchmark database (PostgreSQL): a year of realistic tickets, fast.

Everything is generated inside PostgreSQL by `INSERT ... SELECT ... FROM generate_series` (no rows travel
through Python), after `setseed` so the same `rng_seed` gives the same data. A million tickets with their
SLA alerts, KB interactions, inbound messages and replies seed in well under a minute on a laptop.

The shape: 200 clients with 500 sites and 1,000 contacts, 50 engineers, 5 categories; tickets spread
over the year before now; older ones mostly closed, recent ones still open; ratings, holds, reopenings,
breach and warning alerts, KB questions (some marked helped) and client messages (a few left unanswered).
"""

from __future__ import annotations

import time

import asyncpg
from sqlalchemy.engine import make_url

from storage.report_rollup_sql import backfill

CLIENTS = 200
SITES = 500
CONTACTS = 1000
ENGINEERS = 50
CATEGORIES = ("it", "hvac", "electrical", "plumbing", "cctv")


def asyncpg_dsn(url: str) -> str:
    """The asyncpg DSN of a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


_DIRECTORY = f"""
INSERT INTO clients (id, name, kind, created_at)
SELECT 'bc-' || g, 'Client ' || g, 'company', now() - interval '400 days' FROM generate_series(0, {CLIENTS - 1}) g
ON CONFLICT DO NOTHING;
INSERT INTO sites (id, client_id, name, address, timezone)
SELECT 'bs-' || g, 'bc-' || (g % {CLIENTS}), 'Site ' || g, 'Street ' || g, 'Europe/Moscow'
FROM generate_series(0, {SITES - 1}) g ON CONFLICT DO NOTHING;
INSERT INTO contacts (id, client_id, name, lang)
SELECT 'bk-' || g, 'bc-' || (g % {CLIENTS}), 'Contact ' || g, 'ru' FROM generate_series(0, {CONTACTS - 1}) g
ON CONFLICT DO NOTHING;
INSERT INTO staff (id, name, role, skills, lang)
SELECT 'be-' || g, 'Engineer ' || g, 'engineer', '["it", "hvac"]', 'ru' FROM generate_series(0, {ENGINEERS - 1}) g
ON CONFLICT DO NOTHING;
INSERT INTO staff (id, name, role, skills, lang) VALUES
  ('bsup', 'Supervisor', 'supervisor', '[]', 'ru'), ('badmin', 'Admin', 'admin', '[]', 'ru')
ON CONFLICT DO NOTHING;
"""

# $1 = first number, $2 = count, $3 = now, $4 = first number + total count. Columns derived from per-row random draws in `base`.
_TICKETS = f"""
WITH base AS (
  SELECT g,
         -- in creation order, as a live system inserts them: a year before now, a little jitter
         $3::timestamptz - interval '365 days' + (g - 0.5) * (interval '365 days' / $4::int)
           + random() * interval '10 minutes' AS created,
         random() AS r_status, random() AS r_frt, random() AS r_res, random() AS r_rate, random() AS r_misc,
         floor(random() * {SITES})::int AS site, floor(random() * {ENGINEERS})::int AS eng,
         floor(random() * {len(CATEGORIES)})::int AS cat
  FROM generate_series($1::int, $1::int + $2::int - 1) g
), shaped AS (
  SELECT b.*,
         b.created + (b.r_res * b.r_res * interval '5 days') + interval '10 minutes' AS resolved,
         CASE
           WHEN b.r_status < 0.04 THEN 'cancelled'
           WHEN b.r_status > 0.995 OR (b.created > $3::timestamptz - interval '4 days' AND b.r_status < 0.5)
             THEN (ARRAY['new','offered','accepted','in_progress','on_hold','reopened'])[1 + floor(b.r_misc * 6)::int]
           WHEN b.created + (b.r_res * b.r_res * interval '5 days') + interval '10 minutes' > $3::timestamptz
             THEN 'in_progress'
           WHEN b.created > $3::timestamptz - interval '10 days' THEN 'resolved'
           ELSE 'closed'
         END AS status
  FROM base b
)
INSERT INTO tickets (id, number, client_id, contact_id, category, priority, description, created_at, status,
                     site_id, assignee_id, attachments, source_channel, updated_at, first_response_at,
                     accepted_at, on_hold_at, resolved_at, closed_at, cancelled_at, reopened_at, rating,
                     reopen_count, version)
SELECT 'bt-' || g, 1000 + g, 'bc-' || (site % {CLIENTS}), 'bk-' || (site % {CONTACTS}),
       (ARRAY{list(CATEGORIES)})[1 + cat], (ARRAY['P1','P2','P3','P4'])[1 + floor(r_rate * 4)::int],
       'seeded', created, status, 'bs-' || site,
       CASE WHEN status IN ('new', 'offered') THEN NULL ELSE 'be-' || eng END,
       '[]', 'telegram', created,
       CASE WHEN status = 'new' THEN NULL ELSE created + r_frt * r_frt * interval '3 hours' END,
       CASE WHEN status IN ('new', 'offered', 'cancelled') THEN NULL ELSE created + r_frt * r_frt * interval '3 hours' END,
       CASE WHEN r_misc BETWEEN 0.80 AND 0.88 THEN created + interval '1 hour' END,
       CASE WHEN status IN ('resolved', 'closed') OR (status = 'reopened') THEN resolved END,
       CASE WHEN status = 'closed' THEN resolved + interval '2 days' END,
       CASE WHEN status = 'cancelled' THEN created + interval '30 minutes' END,
       CASE WHEN status = 'reopened' OR r_misc > 0.96 THEN resolved END,
       CASE WHEN status IN ('resolved', 'closed') AND r_rate < 0.55
            THEN 5 - floor(r_misc * r_misc * 5)::int END,
       CASE WHEN status = 'reopened' OR r_misc > 0.96 THEN 1 ELSE 0 END,
       3
FROM shaped
"""

# Breach alerts on ~12 % of tickets (some escalated), warnings alone on ~10 %.
_ALERTS = """
INSERT INTO sla_alerts (ticket_id, kind, level, notify, sent_at)
SELECT id, 'response', lvl, CASE lvl WHEN 0 THEN 'assignee' ELSE 'supervisor' END, created_at + interval '2 hours'
FROM (SELECT id, created_at, random() AS r FROM tickets WHERE number >= 1000 + $1::int AND number < 1000 + $1::int + $2::int) t
CROSS JOIN LATERAL (SELECT 0 AS lvl UNION ALL SELECT 1 WHERE t.r < 0.12 UNION ALL SELECT 2 WHERE t.r < 0.03) l
WHERE t.r < 0.22
"""

# 0.6 KB interactions and 1.2 inbound messages per ticket; 3 % of client messages get no reply (the
# `answered` flag says so, as SqlOutbox sets it when a reply is queued).
_INTERACTIONS = """
INSERT INTO interactions (kind, at, contact_id, channel, query)
SELECT (ARRAY['kb_answer','kb_answer','kb_no_answer','kb_helped','kb_not_helped'])[1 + floor(random() * 5)::int],
       $2::timestamptz - random() * interval '365 days', 'bk-' || floor(random() * 1000)::int, 'telegram',
       'question ' || floor(random() * 3000)::int
FROM generate_series(1, $1::int)
"""

_INBOUND = """
WITH arrived AS (
  INSERT INTO inbound_log (dedup_key, at, answered)
  SELECT CASE WHEN g % 10 = 0 THEN 'tg:staff:' ELSE 'tg:client:' END || ($2::bigint + g),
         $3::timestamptz - random() * interval '365 days', random() > 0.03
  FROM generate_series(1, $1::int) g
  RETURNING dedup_key, at, answered
)
INSERT INTO outbox (channel, bot, chat_id, payload, status, attempts, next_attempt_at, created_at, sent_at, inbound_key)
SELECT 'telegram', CASE WHEN dedup_key LIKE 'tg:staff:%' THEN 'staff' ELSE 'client' END, '1', '{"text": "ok"}',
       'sent', 1, at, at, at, dedup_key
FROM arrived WHERE answered
"""

CHUNK = 250_000


async def seed_tickets(url: str, n: int, *, rng_seed: int = 1) -> dict[str, int]:
    """Seed `n` tickets (and the directory, SLA alerts, KB interactions, inbound messages, replies).

    The database must be migrated. Tickets continue numbering after existing `bt-` tickets, so two calls
    add up. Returns the row counts added per table.
    """
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("SELECT setseed($1)", ((rng_seed % 1000) / 1000.0) * 2 - 1)
        await conn.execute(_DIRECTORY)
        first = await conn.fetchval("SELECT count(*) FROM tickets WHERE id LIKE 'bt-%'") or 0
        now = await conn.fetchval("SELECT date_trunc('hour', now())")
        counts = {"tickets": 0, "sla_alerts": 0, "interactions": 0, "inbound_log": 0, "outbox": 0}
        # Secondary indexes are rebuilt once at the end: much faster than maintaining them row by row.
        indexes = await conn.fetch(_SECONDARY_INDEXES, list(counts))
        for ix in indexes:
            await conn.execute(f'DROP INDEX IF EXISTS "{ix["indexname"]}"')
        # So are the report rollups: the triggers are off for this session (replica role) and the
        # migration's back-fill builds the rollups from all rows afterwards, set-based.
        await conn.execute("SET session_replication_role = replica")
        try:
            await _seed_chunks(conn, n, first, now, counts)
        finally:
            await conn.execute("SET session_replication_role = DEFAULT")
            for ix in indexes:
                await conn.execute(ix["indexdef"])
        await conn.execute(
            "UPDATE counters SET value = GREATEST(value, (SELECT max(number) FROM tickets)) WHERE name = 'ticket'"
        )
        await conn.execute(
            "SELECT setval('ticket_numbers', GREATEST((SELECT last_value FROM ticket_numbers), "
            "(SELECT max(number) FROM tickets)))"
        )
        counts.update(await rebuild_rollups(conn))
        await conn.execute("VACUUM ANALYZE")
        return counts
    finally:
        await conn.close()


async def rebuild_rollups(conn: asyncpg.Connection) -> dict[str, int]:
    """Rebuild the report rollups and KB links from every row (the migration's back-fill, one transaction).

    Returns the rollup rows and the milliseconds it took.
    """
    started = time.perf_counter()
    async with conn.transaction():
        await conn.execute("SET LOCAL work_mem = '256MB'")
        for statement in backfill("postgresql"):
            await conn.execute(statement)
    return {
        "report_cells": int(await conn.fetchval("SELECT count(*) FROM report_cells")),
        "report_dists": int(await conn.fetchval("SELECT count(*) FROM report_dists")),
        "rollup_backfill_ms": round((time.perf_counter() - started) * 1000),
    }


_SECONDARY_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes
WHERE schemaname = current_schema() AND tablename = ANY($1::text[])
  AND indexname NOT IN (SELECT conname FROM pg_constraint)
"""


async def _seed_chunks(
    conn: asyncpg.Connection, n: int, first: int, now: object, counts: dict[str, int]
) -> None:
    """Insert the tickets and what belongs to them in chunks of CHUNK, one transaction each."""
    done = 0
    while done < n:
        size = min(CHUNK, n - done)
        start = first + done + 1
        async with conn.transaction():
            counts["tickets"] += _rows(await conn.execute(_TICKETS, start, size, now, first + n + 1))
            counts["sla_alerts"] += _rows(await conn.execute(_ALERTS, start, size))
            counts["interactions"] += _rows(await conn.execute(_INTERACTIONS, int(size * 0.6), now))
            base = first * 2 + done * 2
            counts["outbox"] += _rows(await conn.execute(_INBOUND, int(size * 1.2), base, now))
            counts["inbound_log"] += int(size * 1.2)
        done += size


_ARTICLES = """
INSERT INTO kb_articles (id, title, body, audience, lang, tags, status, version, updated_at, updated_by)
SELECT 'ba-' || g, 'Article ' || g || ': how to fix problem ' || (g % 97),
       repeat('Step by step instructions for problem ' || (g % 97) || '. ', 20),
       CASE WHEN g % 5 = 0 THEN 'internal' ELSE 'public' END, CASE WHEN g % 3 = 0 THEN 'en' ELSE 'ru' END,
       '["bench"]', CASE WHEN g % 10 = 0 THEN 'draft' ELSE 'published' END, 1,
       now() - (g % 365) * interval '1 day', 'badmin'
FROM generate_series($1::int, $1::int + $2::int - 1) g
"""


async def seed_articles(url: str, n: int) -> int:
    """Seed `n` KB articles (published and drafts, public and internal, ru and en); return how many."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        first = await conn.fetchval("SELECT count(*) FROM kb_articles WHERE id LIKE 'ba-%'") or 0
        added = _rows(await conn.execute(_ARTICLES, first + 1, n))
        await conn.execute("ANALYZE kb_articles")
        return added
    finally:
        await conn.close()


def _rows(status: str) -> int:
    """Row count of an asyncpg command status ("INSERT 0 1000" -> 1000)."""
    return int(status.rsplit(" ", 1)[-1])
