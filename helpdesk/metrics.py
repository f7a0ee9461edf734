"""Prometheus metrics at `/metrics` in every process (web and worker), in the text format of prometheus-client.

Two kinds of figures:

- this process's counters and histograms, counted where the work happens: messages in per channel
  (`Runtime.on_inbound`), turn handling time (`helpdesk.inbox`), messages out and delivery failures by
  reason (`helpdesk.delivery`); and the database pool of this process, read at scrape time;
- the cluster's gauges, the same in every process because they come from the database
  (`storage.ops_gauges`): inbox and outbox backlog and the age of their oldest item, SLA timers due, SLA
  alerts and KB answers of the last day. They are read at most every `DB_GAUGES_TTL_S`, so many processes
  scraped often cost the database little; a scrape whose query fails keeps the last values and counts
  `helpdesk_metrics_db_errors_total`.

`EXPORTED` names every metric; a test checks each is in the output and the Grafana-style checks in
`helpdesk bench cluster` scrape for them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from storage import ops_gauges

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger(__name__)

DB_GAUGES_TTL_S = 2.0

MESSAGES_IN = Counter(
    "helpdesk_messages_in", "Inbound messages recorded, per channel and bot", ["channel", "bot"]
)
MESSAGES_OUT = Counter(
    "helpdesk_messages_out", "Outbound messages delivered, per channel and bot", ["channel", "bot"]
)
DELIVERY_FAILURES = Counter(
    "helpdesk_delivery_failures",
    "Outbox sends that failed, per channel and reason (rate_limited, retry, permanent, gave_up, no_channel)",
    ["channel", "reason"],
)
HANDLING = Histogram(
    "helpdesk_handling_seconds",
    "Time to handle one inbound message (one turn of the dialogue engine), per channel",
    ["channel"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
HANDLING_ERRORS = Counter("helpdesk_handling_errors", "Turns that raised (retried by the inbox)", ["channel"])
INBOX_BACKLOG = Gauge("helpdesk_inbox_backlog", "Inbox rows waiting to be handled (the cluster's)")
INBOX_DEAD = Gauge("helpdesk_inbox_dead", "Inbox rows parked as dead letters (the cluster's)")
INBOX_OLDEST = Gauge("helpdesk_inbox_oldest_age_seconds", "Age of the oldest waiting inbox row")
OUTBOX_BACKLOG = Gauge("helpdesk_outbox_backlog", "Outbox rows waiting to be sent (the cluster's)")
OUTBOX_FAILED = Gauge("helpdesk_outbox_failed", "Outbox rows given up (the cluster's)")
OUTBOX_OLDEST = Gauge("helpdesk_outbox_oldest_age_seconds", "Age of the oldest waiting outbox row")
SLA_DUE = Gauge("helpdesk_sla_timers_due", "SLA timers past their due time and not yet fired")
SLA_ALERTS = Gauge(
    "helpdesk_sla_alerts_last_day", "SLA escalation alerts sent in the last 24 h, per level", ["level"]
)
KB_INTERACTIONS = Gauge(
    "helpdesk_kb_interactions_last_day",
    "KB outcomes in the last 24 h: kb_answer (auto-answers), kb_helped (deflections), kb_not_helped, kb_no_answer",
    ["kind"],
)
DB_POOL_SIZE = Gauge("helpdesk_db_pool_size", "Connections the database pool keeps (this process)")
DB_POOL_IN_USE = Gauge("helpdesk_db_pool_checked_out", "Connections in use right now (this process)")
DB_POOL_OVERFLOW = Gauge(
    "helpdesk_db_pool_overflow", "Connections opened beyond the pool size (this process)"
)
DB_ERRORS = Counter("helpdesk_metrics_db_errors", "Scrapes whose database gauges could not be read")
POLLING_LEADER = Gauge(
    "helpdesk_telegram_polling_leader", "1 while this process holds the Telegram polling lease", ["bot"]
)

EXPORTED = (
    "helpdesk_messages_in_total",
    "helpdesk_messages_out_total",
    "helpdesk_delivery_failures_total",
    "helpdesk_handling_seconds",
    "helpdesk_handling_errors_total",
    "helpdesk_inbox_backlog",
    "helpdesk_inbox_dead",
    "helpdesk_inbox_oldest_age_seconds",
    "helpdesk_outbox_backlog",
    "helpdesk_outbox_failed",
    "helpdesk_outbox_oldest_age_seconds",
    "helpdesk_sla_timers_due",
    "helpdesk_sla_alerts_last_day",
    "helpdesk_kb_interactions_last_day",
    "helpdesk_db_pool_size",
    "helpdesk_db_pool_checked_out",
    "helpdesk_db_pool_overflow",
    "helpdesk_metrics_db_errors_total",
    "helpdesk_telegram_polling_leader",
)
"""Every metric this module exports, as it appears in the text format (counters with `_total`)."""

# Labelled families print no sample until a child exists: the usual labels are made at import, at zero, so a
# dashboard's rate() has a series from the first scrape.
for _kind in ops_gauges.KB_KINDS:
    KB_INTERACTIONS.labels(_kind)
for _level in (1, 2, 3):
    SLA_ALERTS.labels(str(_level))
for _channel, _bot in (
    ("telegram", "client"),
    ("telegram", "staff"),
    ("whatsapp", "client"),
    ("web", "client"),
):
    MESSAGES_IN.labels(_channel, _bot)
    MESSAGES_OUT.labels(_channel, _bot)
    HANDLING.labels(_channel)


def delivery_failed(channel: str, reason: str) -> None:
    """Count one failed send."""
    DELIVERY_FAILURES.labels(channel, reason).inc()


def delivered(channel: str, bot: str) -> None:
    """Count one message delivered."""
    MESSAGES_OUT.labels(channel, bot).inc()


def received(channel: str, bot: str) -> None:
    """Count one inbound message recorded."""
    MESSAGES_IN.labels(channel, bot).inc()


def handled(channel: str, seconds: float, ok: bool) -> None:
    """Count one turn and its time."""
    HANDLING.labels(channel).observe(seconds)
    if not ok:
        HANDLING_ERRORS.labels(channel).inc()


class Metrics:
    """The `/metrics` handler of one process: its pool, and the database gauges read at most every few seconds."""

    def __init__(self, db: AsyncEngine, sessions: async_sessionmaker, ttl_s: float = DB_GAUGES_TTL_S) -> None:
        self.db = db
        self.sessions = sessions
        self.ttl_s = ttl_s
        self._read_at = float("-inf")

    def _pool(self) -> None:
        pool: Any = self.db.pool
        for gauge, name in (
            (DB_POOL_SIZE, "size"),
            (DB_POOL_IN_USE, "checkedout"),
            (DB_POOL_OVERFLOW, "overflow"),
        ):
            reader = getattr(pool, name, None)  # NullPool / StaticPool (SQLite) have no sizes
            gauge.set(max(0, int(reader())) if callable(reader) else 0)

    async def _database(self) -> None:
        if time.monotonic() - self._read_at < self.ttl_s:
            return
        self._read_at = time.monotonic()
        try:
            async with self.sessions() as session:
                g = await ops_gauges.read(session, datetime.now(UTC))
        except Exception as e:
            DB_ERRORS.inc()
            log.warning("metrics: could not read the database gauges: %s", e)
            return
        INBOX_BACKLOG.set(g.inbox_pending)
        INBOX_DEAD.set(g.inbox_dead)
        INBOX_OLDEST.set(g.inbox_oldest_s)
        OUTBOX_BACKLOG.set(g.outbox_pending)
        OUTBOX_FAILED.set(g.outbox_failed)
        OUTBOX_OLDEST.set(g.outbox_oldest_s)
        SLA_DUE.set(g.sla_timers_due)
        for level, n in g.sla_alerts_day.items():
            SLA_ALERTS.labels(str(level)).set(n)
        for kind in ops_gauges.KB_KINDS:
            KB_INTERACTIONS.labels(kind).set(g.kb_day.get(kind, 0))

    async def render(self) -> bytes:
        """The text exposition of every metric, the database gauges read first when they are stale."""
        self._pool()
        await self._database()
        return generate_latest(REGISTRY)

    async def handle(self, _request: web.Request) -> web.Response:
        """GET /metrics."""
        body = await self.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    def add_route(self, app: web.Application) -> None:
        """Serve GET /metrics on `app`."""
        app.router.add_get("/metrics", self.handle)


async def serve_metrics(metrics: Metrics, host: str, port: int, healthz: Handler) -> web.AppRunner:
    """A small HTTP server with /metrics and /healthz for a process without the web app (the worker).

    `healthz` is the web app's own check (`helpdesk.health.make_healthz`): the worker's health is its
    dependencies', so docker-compose's check sees a worker that cannot reach the database.
    """
    app = web.Application()
    metrics.add_route(app)
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
