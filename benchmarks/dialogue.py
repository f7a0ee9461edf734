"""`helpdesk bench dialogue`: client messages per second through the real Telegram webhook, KB-answer path.

The app runs as its own process (`helpdesk run --no-worker`, webhook mode) on a fresh database with the demo
company and KB. The benchmark posts Telegram updates to the webhook over HTTP: by default on a fixed schedule
(`--rate` per second, an open load, latency counted from when each update was due), or with `--rate 0` from
`--users` clients that each wait for their answer (a closed load, which finds the highest rate); the webhook answers only after the reply rows are committed to the outbox, so a request's latency is the
time from webhook to outbox row. Some updates are posted twice, as Telegram does after a timeout: the second
post must add nothing. Afterwards the outbox is read: an update with no reply row is lost; a reply row that
repeats (same update, chat and text) is a duplicate.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import click
from sqlalchemy import func, select

from benchmarks.app_watch import cpu_s, loop_cpu_s, postgres_cpu_s, wait_healthy
from benchmarks.db import bench_pg_url, db_stats, drop_pg_database, fresh_pg_database, own_database
from benchmarks.fault_processes import free_port
from helpdesk.cli.bench import bench
from helpdesk.demo.loader import DEMO_DIR
from helpdesk.demo.seed import seed_demo
from helpdesk.settings import Settings
from storage.db import make_engine, make_sessionmaker
from storage.inbox_tables import inbox
from storage.migrate import upgrade
from storage.tables import outbox

TOKEN = "700000:bench-token-abcdefghijklmnopqrstuvwxyz"
SECRET = "bench-webhook-secret"
QUERIES = DEMO_DIR / "kb_queries.jsonl"
FIRST_USER = 10_000_000


def _update(update_id: int, user: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private", "first_name": "Bench"},
            "from": {"id": user, "is_bot": False, "first_name": "Bench", "language_code": "ru"},
            "text": text,
        },
    }


DELIVERY_ATTEMPTS = 5
"""Posts of one update before it counts as failed (Telegram retries a webhook it could not deliver)."""
REDELIVERY_PAUSE_S = 0.2


@dataclass
class _Poster:
    """Posts updates to the client webhook as Telegram would, and keeps what the two loads report."""

    base: str
    repost_every: int
    texts: list[str]
    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    reposts: int = 0
    connection_errors: int = 0

    async def post(self, http: aiohttp.ClientSession, update_id: int, user: int, since: float) -> float:
        """Post one update (twice for every `repost_every`th, as Telegram retrying); its latency counts
        from `since`. Returns when the first answer came."""
        url = f"{self.base}/webhook/telegram/client"
        update = _update(update_id, FIRST_USER + user, self.texts[update_id % len(self.texts)])
        ok = await self._deliver(http, url, update)
        done = time.perf_counter()
        self.latencies.append((done - since) * 1000)
        self.failed += not ok
        if self.repost_every and update_id % self.repost_every == 0:
            await self._deliver(http, url, update)
            self.reposts += 1
        return done

    async def _deliver(self, http: aiohttp.ClientSession, url: str, update: dict[str, Any]) -> bool:
        """Post `update` until the webhook answers, as Telegram does: a connection that breaks before the
        answer (a reset keep-alive connection, a full listen queue at load 15) is counted in
        `connection_errors` and the update is posted again. Returns whether the answer was 200."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        for attempt in range(DELIVERY_ATTEMPTS):
            try:
                async with http.post(url, json=update, headers=headers) as resp:
                    await resp.read()
                    return resp.status == 200
            except (TimeoutError, aiohttp.ClientConnectionError):
                self.connection_errors += 1
                if attempt + 1 == DELIVERY_ATTEMPTS:
                    return False
                await asyncio.sleep(REDELIVERY_PAUSE_S)
        return False


async def _drive(
    http: aiohttp.ClientSession,
    base: str,
    first_id: int,
    messages: int,
    users: int,
    repost_every: int,
    texts: list[str],
) -> tuple[_Poster, float]:
    """Post updates first_id .. first_id+messages-1 from `users` clients; each client waits for its answer.

    Returns the poster (latencies in ms, failed requests, reposts, connection errors) and the wall time (s).
    """
    poster = _Poster(base, repost_every, texts)
    ids = range(first_id, first_id + messages)

    async def client(user_index: int) -> None:
        for update_id in ids[user_index::users]:
            await poster.post(http, update_id, user_index, time.perf_counter())

    started = time.perf_counter()
    await asyncio.gather(*(client(u) for u in range(users)))
    elapsed = time.perf_counter() - started
    return poster, elapsed


# The schedule starts this long after it is set up: the sender's first look at the clock is then never late.
SCHEDULE_LEAD_S = 0.05


async def _drive_at_rate(
    http: aiohttp.ClientSession,
    base: str,
    first_id: int,
    messages: int,
    users: int,
    rate: float,
    repost_every: int,
    texts: list[str],
) -> tuple[_Poster, float]:
    """Post updates on a fixed schedule, `rate` per second, whether or not earlier ones were answered.

    An open load: the clients do not slow down when the app does, as real clients do not. A request's
    latency counts from the moment it was due, so a late start on the client's side counts against the app
    too. One sender sleeps until each update is due and only then starts its request, so the client holds
    one task per request in flight, not one per update of the run (2,000 tasks woken at the start made
    the first updates leave up to 0.12 s late). Returns what `_drive` returns; the wall time runs from the
    first due time to the last answer.
    """
    poster = _Poster(base, repost_every, texts)
    start = time.perf_counter() + SCHEDULE_LEAD_S
    in_flight: list[asyncio.Task[float]] = []
    for index in range(messages):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        in_flight.append(asyncio.create_task(poster.post(http, first_id + index, index % users, due)))
    finished = await asyncio.gather(*in_flight)
    return poster, max(finished) - start


async def _load(
    base: str,
    warmup: int,
    messages: int,
    users: int,
    rate: float,
    repost_every: int,
    texts: list[str],
    connections: int,
    between: Callable[[], Awaitable[None]],
) -> tuple[_Poster, float]:
    """The warm-up (closed, not measured), `between()`, then the measured load: over one client session,
    whose connections stay open from one to the other as a platform's do (Telegram keeps up to
    max_connections open to a webhook)."""
    connector = aiohttp.TCPConnector(limit=connections or (0 if rate > 0 else users + 4))
    async with aiohttp.ClientSession(connector=connector) as http:
        if warmup:
            await _drive(http, base, 1, warmup, users, 0, texts)
        await between()
        if rate > 0:
            return await _drive_at_rate(http, base, warmup + 1, messages, users, rate, repost_every, texts)
        return await _drive(http, base, warmup + 1, messages, users, repost_every, texts)


DRAIN_TIMEOUT_S = 120.0


async def _drain(url: str, timeout_s: float) -> tuple[float, int]:
    """Wait until no inbound message is waiting in the inbox (or `timeout_s`); return how long it took and
    how many times it looked (each look is a transaction of its own)."""
    db = make_engine(url)
    started = time.perf_counter()
    looks = 0
    try:
        while time.perf_counter() - started < timeout_s:
            looks += 1
            async with db.connect() as conn:
                waiting = (
                    await conn.execute(
                        select(func.count()).select_from(inbox).where(inbox.c.status == "pending")
                    )
                ).scalar_one()
            if not waiting:
                break
            await asyncio.sleep(0.2)
    finally:
        await db.dispose()
    return time.perf_counter() - started, looks


async def _count(url: str, messages: int) -> tuple[int, int]:
    db = make_engine(url)
    try:
        async with make_sessionmaker(db)() as session:
            rows = (
                await session.execute(select(outbox.c.inbound_key, outbox.c.chat_id, outbox.c.payload))
            ).all()
    finally:
        await db.dispose()
    keys = Counter(r.inbound_key for r in rows)
    lost = sum(1 for i in range(1, messages + 1) if keys[f"tg:client:{i}"] == 0)
    distinct = {(r.inbound_key, r.chat_id, json.dumps(r.payload, sort_keys=True)) for r in rows}
    return lost, len(rows) - len(distinct)


async def _prepare(db: str, tmp: Path, embedder: str) -> str:
    if db == "postgres":
        # HELPDESK_BENCH_PG_URL first, so that parallel runs can each have their own database.
        url = await fresh_pg_database(
            own_database(
                bench_pg_url(
                    os.environ.get("HELPDESK_BENCH_PG_URL")
                    or "postgresql+asyncpg://postgres@127.0.0.1:5432/helpdesk_bench_dialogue"
                )
            )
        )
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        await upgrade(url)
    await seed_demo(Settings(database_url=url, kb_embedder=embedder))
    return url


@bench.command("dialogue")
@click.option("--db", type=click.Choice(["sqlite", "postgres"]), default="sqlite", show_default=True)
@click.option("--messages", default=2000, show_default=True, help="Updates to post (after the warm-up).")
@click.option(
    "--rate",
    type=click.FloatRange(min=0),
    default=205.0,
    show_default=True,
    help="Messages per second offered on a fixed schedule (an open load); 0: a closed load instead, "
    "where each of --users clients waits for its answer before writing again (the highest rate).",
)
@click.option("--users", default=50, show_default=True, help="Distinct clients writing.")
@click.option(
    "--warmup",
    default=300,
    show_default=True,
    help="Updates posted first and not measured (300: every demo question once).",
)
@click.option("--repost-every", default=20, show_default=True, help="Post every Nth update twice (0: never).")
@click.option(
    "--connections",
    default=0,
    show_default=True,
    help="Webhook requests in flight at most (0: no limit); Telegram's setWebhook max_connections is 40 by"
    " default. An update due while all are busy waits on the client's side, and that wait counts.",
)
@click.option("--embedder", default=None, help="KB_EMBEDDER for the app (default: the configured one).")
@click.option(
    "--unique",
    is_flag=True,
    help="Every message (warm-up included) a question never seen before, recombined from the demo "
    "questions, so no cache answers it: the cold path a user meets.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def dialogue_bench(
    db: str,
    messages: int,
    rate: float,
    users: int,
    warmup: int,
    repost_every: int,
    connections: int,
    embedder: str | None,
    unique: bool,
    as_json: bool,
) -> None:
    """Throughput and latency of client messages on the KB-answer path, webhook to outbox row."""
    texts = [
        json.loads(line)["query"] for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if unique:
        from benchmarks.question_pool import unique_questions

        try:
            # Update ids run from 1 to warmup + messages and pick text `id % len(texts)`: one text each.
            texts = unique_questions(texts, warmup + messages + 1)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--messages") from None
    spec = embedder or Settings().kb_embedder
    with tempfile.TemporaryDirectory(prefix="hd-bench-") as tmp_name:
        tmp = Path(tmp_name)
        url = asyncio.run(_prepare(db, tmp, spec))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "TELEGRAM_CLIENT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE": f"http://127.0.0.1:{free_port()}",  # nothing listens: no delivery is measured
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_SET_WEBHOOK": "false",
            "PUBLIC_URL": base,
            "SECRET_KEY": "bench-dialogue-secret-key-0123456789",  # a PUBLIC_URL refuses the default key
            "KB_EMBEDDER": spec,
            "HELPDESK_LOG_LEVEL": "WARNING",
            # A stale NLU model is trained before the app says it is up, not in the background under the load.
            "NLU_TRAIN_IN_BACKGROUND": "false",
        }
        env.pop("TELEGRAM_STAFF_TOKEN", None)
        log_path = tmp / "app.log"
        with log_path.open("wb") as log:
            cmd = [sys.executable, "-m", "helpdesk.cli", "run", "--no-worker", "--port", str(port)]
            proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                asyncio.run(wait_healthy(base, proc, 600))
                before: dict[str, Any] = {}

                async def take_before() -> None:
                    # Between the warm-up and the measured load: the app's, PostgreSQL's and this process's
                    # CPU, and the database's counters.
                    before["cpu"], before["loop_cpu"] = cpu_s(proc.pid), loop_cpu_s(proc.pid)
                    before["db_cpu"], before["client_cpu"] = postgres_cpu_s(), cpu_s(os.getpid())
                    before["stats"] = await db_stats(url)

                poster, elapsed = asyncio.run(
                    _load(base, warmup, messages, users, rate, repost_every, texts, connections, take_before)
                )
                cpu_before, db_cpu_before, client_cpu_before = (
                    before["cpu"],
                    before["db_cpu"],
                    before["client_cpu"],
                )
                stats_before = before["stats"]
                # A webhook answers after INBOX_ANSWER_WAIT_S even when the reply is not queued yet (it is
                # recorded): wait until the inbox is empty before the outbox is counted and the rate taken.
                drain_s, drain_looks = asyncio.run(_drain(url, DRAIN_TIMEOUT_S))
                cpu_after, loop_cpu_after = cpu_s(proc.pid), loop_cpu_s(proc.pid)
                db_cpu_after, client_cpu_after = postgres_cpu_s(), cpu_s(os.getpid())
                stats_after = asyncio.run(db_stats(url))
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        try:
            lost, duplicates = asyncio.run(_count(url, warmup + messages))
        finally:
            if db == "postgres":
                asyncio.run(drop_pg_database(url))
    latencies = sorted(poster.latencies)
    loop_cpu_before = before["loop_cpu"]
    result = {
        "db": db,
        "embedder": spec,
        "messages": messages,
        "load": (
            f"open, {rate:g}/s offered, at most {connections or 'any number of'} requests in flight"
            if rate > 0
            else f"closed, {users} clients"
        ),
        "questions": "unique (never seen)" if unique else f"the {len(texts)} demo questions repeated",
        "users": users,
        # Handled, not only answered: an overloaded app answers after INBOX_ANSWER_WAIT_S and works on.
        "msgs_per_s": round(messages / (elapsed + drain_s), 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 1),
        "reposted": poster.reposts,
        "failed_requests": poster.failed,
        # Posts whose connection broke before the answer; each was posted again (Telegram retries too).
        "connection_errors": poster.connection_errors,
        # The app's own CPU per measured message: on a shared machine the rate depends on what else runs.
        "app_cpu_ms_per_msg": (
            round((cpu_after - cpu_before) * 1000 / messages, 2)
            if cpu_before is not None and cpu_after is not None
            else None
        ),
        # Of which the event loop's thread (the GIL's main holder): the rest is the model threads.
        "app_loop_cpu_ms_per_msg": (
            round((loop_cpu_after - loop_cpu_before) * 1000 / messages, 2)
            if loop_cpu_before is not None and loop_cpu_after is not None
            else None
        ),
        # The other two sharers of the machine's cores, per measured message: PostgreSQL (all of its
        # processes, so on a shared machine other databases' work too) and this load generator.
        "db_server_cpu_ms_per_msg": (
            round((db_cpu_after - db_cpu_before) * 1000 / messages, 2)
            if db_cpu_before is not None and db_cpu_after is not None
            else None
        ),
        "client_cpu_ms_per_msg": (
            round((client_cpu_after - client_cpu_before) * 1000 / messages, 2)
            if client_cpu_before is not None and client_cpu_after is not None
            else None
        ),
        # How long after the last answer the inbox took to empty (the backlog, when the rate was too high).
        "drain_s": round(drain_s, 1),
        # Connections the app opened while measured (PostgreSQL): a pool that churns costs every message.
        "db_connections_opened": (
            stats_after[0] - stats_before[0] - 2  # this count's own and the drain's
            if stats_before is not None and stats_after is not None
            else None
        ),
        # Transactions the app ran per measured message (PostgreSQL), the drain's looks and this count's
        # own taken off: every one is a BEGIN and a COMMIT on top of its statements.
        "db_xacts_per_msg": (
            round((stats_after[1] - stats_before[1] - drain_looks - 1) / messages, 2)
            if stats_before is not None and stats_after is not None
            else None
        ),
        "lost": lost,
        "duplicates": duplicates,
    }
    click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))
