"""`helpdesk bench cluster`: N web processes and M workers on one PostgreSQL, under load and under SIGKILL.

The shape a large company runs (issue #17), on this machine: `--apps` web processes (`helpdesk run
--no-worker`, Telegram webhook mode) and `--workers` workers (`helpdesk worker`: delivery, timers, inbox,
Telegram polling by lease, `/metrics` on a port of their own), on free ports, on a fresh PostgreSQL database
of the run's own (dropped at the end) with the demo company, a Redis of its own (unless `--no-redis`) and
the fake Telegram Bot API of `tests/fakes`.

The load is a client load spread round-robin over the web processes (a load balancer's job): each chat
sends `--per-chat` messages `--gap-ms` apart, message i of chat c to process (c + i) mod N, so consecutive
messages of a chat land on different processes at nearly the same time. An update that gets no 200 (its
process is down, or 5xx) is posted again to the next process, as Telegram would through a balancer. A few
chats write through Telegram polling instead (updates queued in the fake), which one worker reads.

During the run it:
- edits a KB article through the first web process (REST API) and searches for the edit's new word
  through every process until each finds it: `kb_visible_s` is the slowest;
- with `--rolling-restart`, restarts the web processes one by one (SIGTERM, start, wait until it answers):
  `rolling_lost` and `rolling_p99_ms` are over the messages due meanwhile, `rolling_restart_s` its length;
- SIGKILLs one web process and starts it again, and SIGKILLs the worker holding the Telegram polling
  lease and starts it again: `takeover_s` is the time from that kill to the next getUpdates the fake
  receives (another worker took the lease and polls);
- scrapes `/metrics` of every process at the end: `metrics_missing` counts (process, metric) pairs of
  `helpdesk.metrics.EXPORTED`, and of the metrics the shipped Grafana dashboard and Prometheus alerts
  query (`benchmarks.deploy_metrics`), not exported; `pollers` is the sum of `helpdesk_telegram_polling_leader`.

Then it waits for the replies and counts, from the database and from what the fake received:
- `lost`: acknowledged updates with no reply marked sent, plus replies marked sent that never reached the
  fake;
- `duplicates`: a reply queued twice for one update (same text), plus a message the fake received twice
  in a row in one chat (sent again), except `duplicates_in_flight_at_kill`: sent just before the worker
  was killed and again after (in flight in it: delivery is at least once, and a crash repeats at most
  what was in flight);
- `order_violations`: one chat's replies queued out of the order in which its messages were recorded, or
  marked sent out of the order they were queued in;
- `state_violations`: chats whose conversation state does not end on the question of their last recorded
  message that took the KB path (a turn that read an older state and overwrote a newer one); checked on
  the chats whose state ends on the KB path;
- `server_errors`: webhook answers 5xx (`rolling_server_errors` while the web processes were restarted
  one by one): a stopping process closes its port before its runtime, so the balancer's retry goes to a
  refused connection, never to a 503;
- `msgs_per_s`: replies delivered per second, from the first message due to the last reply delivered;
  `p50_ms`/`p99_ms`: from when a message was due until its first reply was marked sent (the platform has
  it); `webhook_p99_ms`: until its webhook answered 200; `cpu_s`: CPU seconds the web processes and the
  workers used for the load (after start-up), and beside them what shares their cores: `bench_client`
  (this process: the load, the fake Bot API, its polls of the database) and `postgres` (all of this
  machine's PostgreSQL processes); `cpu_ms_per_msg`: the same per message. `--warmup` first sends every
  demo question once through every web process (not measured), as `bench dialogue` warms its app.

The fake has no rate limits, so TELEGRAM_RATE_LIMITS is off (Telegram's 1 message/s per chat would be
most of a reply's time). Each process's pool is 10 + 4 connections (DB_POOL_SIZE), so five of them stay
under PostgreSQL's default max_connections of 100. `--log-dir` keeps the processes' logs and per-update
details (updates.json, anomalies.json).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import subprocess
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import click
from sqlalchemy import select, text

from benchmarks.app_watch import cpu_s, postgres_cpu_s
from benchmarks.db import bench_pg_url, db_stats, drop_pg_database, fresh_pg_database, own_database
from benchmarks.deploy_metrics import missing_from
from benchmarks.fault_processes import AppProcess, RedisServer, free_port
from helpdesk.api.tokens import hash_token, new_token
from helpdesk.demo.loader import DEMO_DIR
from helpdesk.demo.seed import seed_demo
from helpdesk.metrics import EXPORTED
from helpdesk.settings import Settings
from nlu.default_model import ensure_default_model
from storage.api_tokens import ApiTokenRecord, SqlApiTokenRepository
from storage.db import make_engine, make_sessionmaker
from storage.inbox_tables import inbox
from storage.tables import conversations, interactions, outbox
from tests.fakes.telegram_api import FakeTelegramAPI

SECRET = "bench-cluster-webhook-secret"
SECRET_KEY = "bench-cluster-secret-key-0123456789"
QUERIES = DEMO_DIR / "kb_queries.jsonl"
FIRST_CHAT = 60_000_000
FIRST_POLLED_CHAT = 70_000_000
FIRST_WARM_CHAT = 80_000_000
FIRST_WARM_UPDATE = 90_000_000
FIRST_UPDATE = 10_000_000
KB_WORD_PREFIX = "zebraquartz"


@dataclass
class Post:
    """One client message posted to a webhook."""

    update_id: int
    chat_id: int
    index: int  # its place among its chat's messages
    text: str
    due: float  # time.monotonic() it was due
    accepted_at: float | None = None
    tries: int = 0
    server_errors: int = 0  # answers 5xx (a refused or dropped connection is not one: the balancer retries)
    app: int = -1  # the process that answered 200


def _update(update_id: int, chat_id: int, text_: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Bench", "language_code": "ru"}
    chat = {"id": chat_id, "type": "private", "first_name": "Bench"}
    message = {"message_id": update_id, "date": int(time.time()), "chat": chat, "from": user, "text": text_}
    return {"update_id": update_id, "message": message}


def parse_metrics(body: str) -> dict[str, float]:
    """Family name -> sum of its samples, from the Prometheus text format (`_bucket` etc. folded in)."""
    found: dict[str, float] = defaultdict(float)
    for line in body.splitlines():
        if line.startswith("# TYPE "):
            found.setdefault(line.split()[2], 0.0)
            continue
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        name = name.split("{", 1)[0]
        try:
            found[name] += float(value)
        except ValueError:
            continue
    return dict(found)


def missing_metrics(body: str) -> list[str]:
    """The metrics of `helpdesk.metrics.EXPORTED` that `body` (a /metrics page) does not export."""
    names = set(parse_metrics(body))
    return [name for name in EXPORTED if name not in names and f"{name}_total" not in names]


class Cluster:
    """The processes of one run: web apps and workers, started, killed and stopped by index."""

    def __init__(
        self,
        url: str,
        api: FakeTelegramAPI,
        redis: RedisServer | None,
        apps: int,
        workers: int,
        log_dir: Path,
        outbox_notify: bool = True,
        shared_model_cache: bool = True,
        outbox_direct: bool = True,
        conversation_mirror: bool = False,
    ):
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "NLU_TRAIN_IN_BACKGROUND": "false",  # a stale model trains before the processes are up, not under the load
            "TELEGRAM_CLIENT_TOKEN": api.default_token,
            "TELEGRAM_API_BASE": api.base_url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_SET_WEBHOOK": "false",
            "TELEGRAM_POLLING_TIMEOUT_S": "5",
            "TELEGRAM_RATE_LIMITS": "false",  # the fake has none: replies go as fast as the app sends them
            "SECRET_KEY": SECRET_KEY,
            "KB_EMBEDDER": "none",
            # Every process's pool within PostgreSQL's max_connections (100 by default), with room for the
            # bench's own and other clients: 5 processes x 14 + 5 LISTEN connections.
            "DB_POOL_SIZE": "10",
            "DB_MAX_OVERFLOW": "4",
            "API_RATE_PER_S": "10000",
            "API_RATE_BURST": "10000",
            "HELPDESK_LOG_LEVEL": "WARNING",
            # Off: workers find queued replies on their poll, as before the outbox NOTIFY.
            "OUTBOX_NOTIFY": "true" if outbox_notify else "false",
            # Off: every reply goes through the workers, as before a process sent its own.
            "OUTBOX_DIRECT": "true" if outbox_direct else "false",
        }
        if redis is not None:
            env["REDIS_URL"] = redis.url
            env["MODEL_CACHE_SHARED"] = "true" if shared_model_cache else "false"
            env["CONVERSATION_MIRROR"] = "true" if conversation_mirror else "false"
        for unset in (
            "TELEGRAM_STAFF_TOKEN",
            "WHATSAPP_PHONE_NUMBER_ID",
            "TELEGRAM_STAFF_GROUP_ID",
            "PUBLIC_URL",
        ):
            env.pop(unset, None)
        self.web: list[AppProcess] = []
        self.web_base: list[str] = []
        for i in range(apps):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            args = ["run", "--no-worker", "--host", "127.0.0.1", "--port", str(port)]
            proc_env = {**env, "PUBLIC_URL": base}
            self.web.append(AppProcess(f"web{i}", args, proc_env, log_dir, health_url=f"{base}/healthz"))
            self.web_base.append(base)
        self.workers: list[AppProcess] = []
        self.worker_base: list[str] = []
        for j in range(workers):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            # Without PUBLIC_URL a worker polls Telegram (when it holds the lease). The fake lets the bot be
            # polled and posted to webhooks at once, which Telegram would not: one run checks both ways in.
            proc_env = {**env, "METRICS_PORT": str(port), "HELPDESK_LOG_LEVEL": "INFO"}
            self.workers.append(
                AppProcess(f"worker{j}", ["worker"], proc_env, log_dir, health_url=f"{base}/healthz")
            )
            self.worker_base.append(base)

    @property
    def all(self) -> list[tuple[AppProcess, str]]:
        """Every process with its base URL (where /metrics is)."""
        return [*zip(self.web, self.web_base, strict=True), *zip(self.workers, self.worker_base, strict=True)]

    async def start(self) -> None:
        """Start every process, a little apart (they load the same models), and wait until all are up."""
        for proc, _ in self.all:
            proc.spawn()
            await asyncio.sleep(0.3)
        await asyncio.gather(*(proc.wait_ready() for proc, _ in self.all))

    def stop(self) -> None:
        """Stop every process: SIGTERM to all at once (each drains for a few seconds), SIGKILL after 30 s."""
        running = [proc.process for proc, _ in self.all if proc.process and proc.process.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + 30
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Run:
    """What the load saw while it ran."""

    posts: list[Post] = field(default_factory=list)
    polled: list[dict[str, Any]] = field(default_factory=list)  # updates queued for the polling worker
    kb_visible_s: float | None = None
    kb_seen: dict[int, float] = field(default_factory=dict)
    web_killed: int | None = None
    web_restart_s: float | None = None
    worker_killed: int | None = None
    worker_killed_at: float | None = None
    worker_restart_s: float | None = None
    takeover_s: float | None = None
    rolling: tuple[float, float] | None = None  # when a rolling restart began and ended (time.monotonic)
    started: float = 0.0
    load_end: float = 0.0
    metrics_missing: int = 0
    metrics_missing_names: dict[str, list[str]] = field(default_factory=dict)
    pollers: float = 0.0
    metric_sums: dict[str, float] = field(default_factory=dict)
    turns_by_role: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)  # role -> CPU seconds of its processes
    warmed: int = 0  # warm-up messages answered before the measured load
    db_stats: tuple[int, int] | None = None  # the run's database: (sessions, transactions) at the baseline
    db_xacts: int | None = None  # transactions the database ended from the baseline to the count


class ClusterBench:
    """Drives the load, the KB edit, the kills and the scrapes against a running `Cluster`."""

    def __init__(self, cluster: Cluster, api: FakeTelegramAPI, url: str, api_token: str) -> None:
        self.cluster = cluster
        self.api = api
        self.url = url
        self.api_token = api_token
        self.texts = [
            json.loads(line)["query"] for line in QUERIES.read_text(encoding="utf-8").splitlines() if line
        ]
        self.run = Run()
        self.details: list[dict[str, Any]] = []
        self.wall_offset = time.time() - time.monotonic()  # wall clock = monotonic + offset
        self.cpu_base: dict[int, float] = {}
        self.duplicate_keys: list[tuple[str, str]] = []
        self.extra_chats: dict[str, int] = {}
        self.state_anomalies: list[dict[str, Any]] = []

    # --- the client load ----------------------------------------------------------------------------

    async def _post(self, http: aiohttp.ClientSession, post: Post, first_app: int, give_up_at: float) -> None:
        apps = len(self.cluster.web_base)
        app = first_app
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        update = _update(post.update_id, post.chat_id, post.text)
        pause = 0.1
        while time.monotonic() < give_up_at:
            post.tries += 1
            try:
                async with http.post(
                    f"{self.cluster.web_base[app]}/webhook/telegram/client", json=update, headers=headers
                ) as resp:
                    await resp.read()
                    if resp.status == 200:
                        post.accepted_at = time.monotonic()
                        post.app = app
                        return
                    if resp.status >= 500:
                        post.server_errors += 1
            except (TimeoutError, aiohttp.ClientError, OSError):
                pass
            app = (app + 1) % apps  # the balancer sends the retry to the next process
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)

    async def load(self, chats: int, per_chat: int, rate: float, gap_s: float, polled_chats: int) -> None:
        """Post every chat's messages on schedule; queue the polled chats' updates in the fake."""
        apps = len(self.cluster.web_base)
        start = time.monotonic() + 0.1
        self.run.started = start
        posts: list[tuple[Post, int]] = []
        update_id = FIRST_UPDATE
        for c in range(chats):
            chat_start = start + c * per_chat / rate
            texts = [self.texts[(c * per_chat + i) % len(self.texts)] for i in range(per_chat)]
            for i in range(per_chat):
                posts.append(
                    (Post(update_id, FIRST_CHAT + c, i, texts[i], chat_start + i * gap_s), (c + i) % apps)
                )
                update_id += 1
        self.run.posts = [p for p, _ in posts]
        duration = chats * per_chat / rate
        give_up_at = start + duration + 300
        polled_every = duration / max(polled_chats, 1)

        async def one(http: aiohttp.ClientSession, post: Post, app: int) -> None:
            delay = post.due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self._post(http, post, app, give_up_at)

        async def polled() -> None:
            for k in range(polled_chats):
                await asyncio.sleep(max(0.0, start + k * polled_every - time.monotonic()))
                chat = FIRST_POLLED_CHAT + k
                for i in range(per_chat):
                    text_ = self.texts[(7 * k + i) % len(self.texts)]
                    update = self.api.push_text(chat, chat, text_, first_name="Bench", lang="ru")
                    self.run.polled.append(
                        {"update_id": update["update_id"], "chat_id": chat, "index": i, "text": text_}
                    )
                    await asyncio.sleep(gap_s)

        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
            await asyncio.gather(polled(), *(one(http, p, app) for p, app in posts))
        self.run.load_end = time.monotonic()

    # --- what happens during the load ---------------------------------------------------------------

    async def kb_edit(self) -> None:
        """Edit an article through process 0, then search for the edit through every process."""
        word = f"{KB_WORD_PREFIX}{uuid.uuid4().hex[:6]}"
        headers = {"Authorization": f"Bearer {self.api_token}"}
        bases = self.cluster.web_base
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            async with http.get(f"{bases[0]}/api/kb/articles", headers=headers) as resp:
                listing = await resp.json()
            items = listing.get("items", listing) if isinstance(listing, dict) else listing
            article = next(
                a for a in items if a.get("status") == "published" and a.get("audience") == "public"
            )
            patch = {"title": f"{article['title']} {word}", "version": article["version"]}
            async with http.patch(
                f"{bases[0]}/api/kb/articles/{article['id']}", json=patch, headers=headers
            ) as resp:
                if resp.status != 200:
                    self.run.errors.append(f"kb edit answered {resp.status}: {await resp.text()}")
                    return
                await resp.read()
            saved = time.monotonic()

            async def watch(i: int) -> None:
                deadline = saved + 30
                while time.monotonic() < deadline:
                    try:
                        async with http.get(
                            f"{bases[i]}/api/kb/search", params={"q": word, "k": "3"}, headers=headers
                        ) as resp:
                            if resp.status == 200:
                                body = await resp.json()
                                if any(h["id"] == article["id"] for h in body.get("hits", [])):
                                    self.run.kb_seen[i] = round(time.monotonic() - saved, 3)
                                    return
                    except (TimeoutError, aiohttp.ClientError, OSError):
                        pass  # this process is being restarted
                    await asyncio.sleep(0.02)

            await asyncio.gather(*(watch(i) for i in range(len(bases))))
        if len(self.run.kb_seen) == len(bases):
            self.run.kb_visible_s = max(self.run.kb_seen.values())

    async def kill_web(self, index: int) -> None:
        """SIGKILL one web process and start it again."""
        proc = self.cluster.web[index]
        proc.kill()
        down = time.monotonic()
        self.run.web_killed = index
        proc.spawn()
        await proc.wait_ready()
        self.run.web_restart_s = round(time.monotonic() - down, 1)

    async def rolling_restart(self) -> None:
        """Restart the web processes one by one as a deploy does: SIGTERM, wait for it to exit, start the new
        one, wait until it answers, then the next. The load goes on meanwhile."""
        began = time.monotonic()
        for proc in self.cluster.web:
            await asyncio.to_thread(proc.terminate)  # it finishes its turns in flight (up to 30 s)
            proc.spawn()
            await proc.wait_ready()
        self.run.rolling = (began, time.monotonic())

    async def _lease_holder_pid(self) -> int | None:
        engine = make_engine(self.url)
        try:
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        text("SELECT holder, expires_at FROM leases WHERE name = 'telegram-polling'")
                    )
                ).first()
        finally:
            await engine.dispose()
        if row is None or row[1] < datetime.now(UTC):
            return None
        match = re.match(r"[^:]*:(\d+):", row[0])
        return int(match.group(1)) if match else None

    async def kill_poller(self) -> None:
        """SIGKILL the worker that holds the polling lease, start it again; time until polling resumes."""
        index = pid = None
        for _ in range(30):  # a renewal late under the load leaves the lease expired for a moment: ask again
            pid = await self._lease_holder_pid()
            index = next(
                (j for j, w in enumerate(self.cluster.workers) if w.process and w.process.pid == pid), None
            )
            if index is not None:
                break
            await asyncio.sleep(0.1)
        if index is None:
            self.run.errors.append(f"no worker holds the polling lease (holder pid {pid})")
            index = 0
        proc = self.cluster.workers[index]
        proc.kill()
        down = time.monotonic()
        self.run.worker_killed = index
        self.run.worker_killed_at = down
        proc.spawn()

        async def takeover() -> None:
            deadline = down + 60
            while time.monotonic() < deadline:
                if any(c.method == "getUpdates" and c.at > down for c in list(self.api.calls)):
                    first = min(c.at for c in self.api.calls if c.method == "getUpdates" and c.at > down)
                    self.run.takeover_s = round(first - down, 2)
                    return
                await asyncio.sleep(0.05)

        await asyncio.gather(takeover(), proc.wait_ready())
        self.run.worker_restart_s = round(time.monotonic() - down, 1)

    def cpu_baseline(self) -> None:
        """Note each process's CPU seconds once all are up (loading models is not the load's), and this
        process's (the load generator and the fake Telegram) and PostgreSQL's: they share the cores."""
        for proc, _ in self.cluster.all:
            if proc.process is not None:
                self.cpu_base[proc.process.pid] = cpu_s(proc.process.pid) or 0.0
        self.cpu_base[0] = cpu_s(os.getpid()) or 0.0
        self.cpu_base[-1] = postgres_cpu_s() or 0.0

    def cpu(self) -> None:
        """CPU seconds each process has used since the baseline, by role (a restarted one: its whole run)."""
        for proc, _ in self.cluster.all:
            if proc.process is not None:
                used = cpu_s(proc.process.pid)
                if used is not None:
                    used -= self.cpu_base.get(proc.process.pid, 0.0)
                    role = "web" if proc.name.startswith("web") else "worker"
                    self.run.cpu_s[role] = round(self.run.cpu_s.get(role, 0.0) + used, 1)
        # Not the app's, but on the same cores: the bench itself (client load, fake Bot API, its polls of the
        # database) and PostgreSQL (all of this machine's: other databases' work counts on a shared one).
        client, db = cpu_s(os.getpid()), postgres_cpu_s()
        if client is not None:
            self.run.cpu_s["bench_client"] = round(client - self.cpu_base[0], 1)
        if db is not None:
            self.run.cpu_s["postgres"] = round(db - self.cpu_base[-1], 1)

    async def warm_up(self, timeout_s: float = 300.0) -> None:
        """Every demo question once through every web process, from chats of its own, and wait until each
        is answered: the processes' NLU and KB caches then start as `bench dialogue`'s warm-up leaves its
        app's, so the measured CPU is the steady state's (a question's first parse is e5's and USE's)."""
        apps = len(self.cluster.web_base)
        keys: list[str] = []
        slots = asyncio.Semaphore(8)
        give_up_at = time.monotonic() + timeout_s

        async def one(http: aiohttp.ClientSession, k: int, app: int) -> None:
            post = Post(FIRST_WARM_UPDATE + k, FIRST_WARM_CHAT + k, 0, self.texts[k % len(self.texts)], 0.0)
            async with slots:
                await self._post(http, post, app, give_up_at)

        jobs = [(k, k // len(self.texts)) for k in range(len(self.texts) * apps)]
        keys = [f"tg:client:{FIRST_WARM_UPDATE + k}" for k, _ in jobs]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            await asyncio.gather(*(one(http, k, app) for k, app in jobs))
        engine = make_engine(self.url)
        try:
            while time.monotonic() < give_up_at:
                async with engine.connect() as conn:
                    answered = set(
                        (
                            await conn.scalars(
                                select(outbox.c.inbound_key).where(
                                    outbox.c.status == "sent", outbox.c.inbound_key.in_(keys)
                                )
                            )
                        ).all()
                    )
                if len(answered) == len(keys):
                    break
                await asyncio.sleep(0.25)
        finally:
            await engine.dispose()
        self.run.warmed = len(answered)

    async def scrape(self) -> None:
        """GET /metrics of every process; count what is missing; sum a few figures over the cluster."""
        sums: dict[str, float] = defaultdict(float)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            for proc, base in self.cluster.all:
                try:
                    async with http.get(f"{base}/metrics") as resp:
                        body = await resp.text()
                        ok = resp.status == 200
                except (TimeoutError, aiohttp.ClientError, OSError) as e:
                    body, ok = "", False
                    self.run.errors.append(f"{proc.name} /metrics: {e}")
                missing = list(EXPORTED) if not ok else missing_metrics(body)
                if ok:  # and what the shipped dashboard and alerts query (deploy/)
                    missing += [name for name in missing_from(body) if name not in missing]
                if missing:
                    self.run.metrics_missing_names[proc.name] = missing
                self.run.metrics_missing += len(missing)
                for name, value in parse_metrics(body).items():
                    if name.startswith("helpdesk_"):
                        sums[name] += value
                    if name == "helpdesk_handling_seconds_count":  # turns run, by the kind of process
                        role = "worker" if proc.name.startswith("worker") else "web"
                        self.run.turns_by_role[role] = self.run.turns_by_role.get(role, 0) + int(value)
        self.run.pollers = sums.get("helpdesk_telegram_polling_leader", 0.0)
        self.run.metric_sums = dict(sums)

    # --- settling and counting ----------------------------------------------------------------------

    def _expected(self) -> dict[str, tuple[int, int, str]]:
        """dedup key -> (chat, index in chat, text) of every message the app acknowledged."""
        keys = {
            f"tg:client:{p.update_id}": (p.chat_id, p.index, p.text) for p in self.run.posts if p.accepted_at
        }
        for u in self.run.polled:
            keys[f"tg:client:{u['update_id']}"] = (u["chat_id"], u["index"], u["text"])
        return keys

    async def settle(self, settle_s: float) -> None:
        """Wait until every acknowledged message has a reply marked sent (or `settle_s` passes)."""
        expected = self._expected()
        engine = make_engine(self.url)
        deadline = time.monotonic() + settle_s
        try:
            while time.monotonic() < deadline:
                async with engine.connect() as conn:
                    rows = (
                        await conn.execute(
                            select(outbox.c.inbound_key).where(
                                outbox.c.status == "sent", outbox.c.inbound_key.is_not(None)
                            )
                        )
                    ).all()
                    waiting = (
                        await conn.execute(
                            text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
                        )
                    ).scalar()
                answered = {r[0] for r in rows}
                if set(expected) <= answered and not waiting:
                    break
                await asyncio.sleep(0.25)
        finally:
            await engine.dispose()
        await asyncio.sleep(1.0)  # a duplicate send, if any, arrives now

    async def count(self) -> dict[str, Any]:
        """Lost, duplicated, out of order and overwritten, from the database and the fake's calls."""
        expected = self._expected()
        engine = make_engine(self.url)
        try:
            async with make_sessionmaker(engine)() as session:
                in_rows = (await session.execute(select(inbox.c.id, inbox.c.dedup_key, inbox.c.status))).all()
                out_rows = (
                    await session.execute(
                        select(
                            outbox.c.id,
                            outbox.c.chat_id,
                            outbox.c.inbound_key,
                            outbox.c.status,
                            outbox.c.sent_at,
                            outbox.c.created_at,
                            outbox.c.payload,
                        )
                        .where(outbox.c.channel == "telegram")
                        .order_by(outbox.c.id)
                    )
                ).all()
                states = dict(
                    (await session.execute(select(conversations.c.key, conversations.c.state))).all()
                )
                # The questions that take the KB path (a status question, say, does not, and leaves the
                # state as the KB question before it left it).
                kb_texts = set(
                    (
                        await session.scalars(
                            select(interactions.c.query).where(
                                interactions.c.kind.in_(("kb_answer", "kb_no_answer"))
                            )
                        )
                    ).all()
                )
        finally:
            await engine.dispose()
        inbox_id = {key: id_ for id_, key, _ in in_rows}
        by_chat: dict[str, list[Any]] = defaultdict(list)
        for row in out_rows:
            by_chat[row.chat_id].append(row)
        replied = {row.inbound_key for row in out_rows if row.status == "sent"}
        lost = [key for key in expected if key not in replied]
        # One update's replies queued twice (the same text twice for one update: it was handled twice).
        texts = Counter(
            (row.inbound_key, str(row.payload.get("text"))) for row in out_rows if row.inbound_key in expected
        )
        duplicates = sum(n - 1 for n in texts.values() if n > 1)
        self.duplicate_keys = [key for key, n in texts.items() if n > 1][:10]
        # What the fake got beyond the rows marked sent (a reply sent twice), or short of them (lost on the way).
        chats = {str(chat) for chat, _, _ in expected.values()}
        # What the fake got: a message sent again is the same message twice in a row in its chat (a chat's
        # rows go one at a time, and no flow says the same thing twice running). One row may make two calls
        # (a reply keyboard goes as a message of its own), so calls are not counted against rows.
        per_chat: dict[str, list[Any]] = defaultdict(list)
        for c in self.api.calls:
            if c.method == "sendMessage" and c.ok:
                per_chat[str(c.params.get("chat_id"))].append(c)
        extra = 0
        in_flight = (
            0  # sent just before the worker was killed and again after: in flight in it (at least once)
        )
        killed_at = self.run.worker_killed_at
        for chat in chats:
            for first, again in itertools.pairwise(per_chat.get(chat, [])):
                if (first.params.get("text"), first.params.get("reply_markup")) != (
                    again.params.get("text"),
                    again.params.get("reply_markup"),
                ):
                    continue
                extra += 1
                self.extra_chats[chat] = self.extra_chats.get(chat, 0) + 1
                if killed_at is not None and first.at <= killed_at < again.at:
                    in_flight += 1
        sent_rows = Counter(row.chat_id for row in out_rows if row.status == "sent")
        short = sum(max(0, sent_rows[c] - len(per_chat.get(c, []))) for c in chats)  # marked sent, never got
        order = 0
        state_violations = 0
        state_checked = 0
        reordered_on_arrival = 0
        for chat in chats:
            rows = [r for r in by_chat.get(chat, []) if r.inbound_key in inbox_id]
            seq = [inbox_id[r.inbound_key] for r in rows]
            order += sum(1 for a, b in itertools.pairwise(seq) if b < a)  # handled out of recorded order
            sent = [r.sent_at for r in rows if r.sent_at is not None]
            order += sum(1 for a, b in itertools.pairwise(sent) if b < a)  # sent out of queued order
            mine = sorted(
                (inbox_id[k], idx, txt)
                for k, (c, idx, txt) in expected.items()
                if str(c) == chat and k in inbox_id
            )
            by_index = [idx for _, idx, _ in mine]
            reordered_on_arrival += sum(1 for a, b in itertools.pairwise(by_index) if b < a)
            state = states.get(f"telegram:client:{chat}:{chat}") or {}
            on_kb_path = [m for m in mine if m[2] in kb_texts]
            if on_kb_path and state.get("stage") == "kb":
                state_checked += 1
                if state.get("query") != on_kb_path[-1][2]:
                    state_violations += 1
                    self.state_anomalies.append(
                        {"chat": chat, "state": state, "recorded": [(i, idx, t) for i, idx, t in mine]}
                    )
        # A reply's delivery time: when its first row was marked sent, right after the platform took it (the
        # worker's wall clock, on this machine), on this process's monotonic clock.
        delivered: dict[str, float] = {}
        queued: dict[str, float] = {}
        for row in out_rows:
            if row.inbound_key is not None and row.inbound_key not in queued:
                queued[row.inbound_key] = row.created_at.timestamp() - self.wall_offset
        for row in out_rows:
            if row.status == "sent" and row.sent_at is not None and row.inbound_key is not None:
                at = row.sent_at.timestamp() - self.wall_offset
                delivered[row.inbound_key] = min(at, delivered.get(row.inbound_key, at))
        reply_ms = sorted(
            (delivered[f"tg:client:{p.update_id}"] - p.due) * 1000
            for p in self.run.posts
            if f"tg:client:{p.update_id}" in delivered
        )
        self.details = [
            {
                "update_id": p.update_id,
                "chat": p.chat_id,
                "index": p.index,
                "app": p.app,
                "tries": p.tries,
                "inbox_id": inbox_id.get(f"tg:client:{p.update_id}"),
                "webhook_ms": round((p.accepted_at - p.due) * 1000) if p.accepted_at else None,
                "reply_ms": round((delivered[k] - p.due) * 1000)
                if (k := f"tg:client:{p.update_id}") in delivered
                else None,
                "replies": sum(n for (key, _), n in texts.items() if key == k),
                "queued_ms": round((queued[k] - p.due) * 1000) if k in queued else None,
            }
            for p in self.run.posts
        ]
        webhook_ms = sorted(
            (p.accepted_at - p.due) * 1000 for p in self.run.posts if p.accepted_at is not None
        )
        rolling: dict[str, Any] = {}
        if self.run.rolling is not None:
            began, ended = self.run.rolling
            during = [p for p in self.run.posts if began <= p.due <= ended]
            rolling = {
                "rolling_restart_s": round(ended - began, 1),
                "rolling_messages": len(during),
                "rolling_lost": sum(1 for p in during if f"tg:client:{p.update_id}" not in delivered),
                "rolling_server_errors": sum(p.server_errors for p in during),
                "rolling_p99_ms": _quantile(
                    sorted(
                        (delivered[k] - p.due) * 1000
                        for p in during
                        if (k := f"tg:client:{p.update_id}") in delivered
                    ),
                    0.99,
                ),
            }
        last_reply = max(delivered.values(), default=self.run.load_end)
        busy_s = max(last_reply - self.run.started, 1e-6)
        return {
            "messages": len(expected),
            "msgs_per_s": round(len(delivered) / busy_s, 1),
            "p50_ms": _quantile(reply_ms, 0.5),
            "p99_ms": _quantile(reply_ms, 0.99),
            "webhook_p50_ms": _quantile(webhook_ms, 0.5),
            "webhook_p99_ms": _quantile(webhook_ms, 0.99),
            "lost": len(lost) + short,
            "duplicates": duplicates + extra - in_flight,
            "duplicates_in_flight_at_kill": in_flight,
            **rolling,
            "order_violations": order,
            "state_violations": state_violations,
            "state_checked_chats": state_checked,
            "reordered_on_arrival": reordered_on_arrival,
            "not_accepted": sum(1 for p in self.run.posts if p.accepted_at is None),
            "retried_posts": sum(1 for p in self.run.posts if p.tries > 1),
            "server_errors": sum(p.server_errors for p in self.run.posts),
            "inbox_dead": sum(1 for _, _, status in in_rows if status == "dead"),
            "lost_keys": lost[:10],
        }


def _quantile(values: list[float], q: float) -> float | None:
    """The q-quantile of sorted `values` (nearest rank), rounded to 0.1; None when there are none."""
    if not values:
        return None
    return round(values[min(len(values) - 1, int(len(values) * q))], 1)


async def _create_token(url: str) -> str:
    token = new_token()
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            record = ApiTokenRecord(
                id=uuid.uuid4().hex,
                name="bench-cluster",
                token_hash=hash_token(token),
                scopes=("kb:read", "kb:write"),
                created_at=datetime.now(UTC),
                created_by="bench",
            )
            await SqlApiTokenRepository(session).add(record)
            await session.commit()
    finally:
        await engine.dispose()
    return token


async def run_cluster(
    *,
    apps: int,
    workers: int,
    chats: int,
    per_chat: int,
    rate: float,
    gap_ms: float,
    polled_chats: int,
    settle_s: float,
    kill: bool,
    redis: bool,
    log_dir: Path,
    outbox_notify: bool = True,
    outbox_direct: bool = True,
    rolling_restart: bool = False,
    shared_model_cache: bool = True,
    warmup: bool = False,
    conversation_mirror: bool = False,
) -> dict[str, Any]:
    """Run the cluster, the load and the faults; return the figures (see the module docstring)."""
    url = await fresh_pg_database(
        own_database(
            bench_pg_url(
                os.environ.get("HELPDESK_BENCH_CLUSTER_PG_URL")
                or "postgresql+asyncpg://postgres@127.0.0.1:5432/helpdesk_bench_cluster"
            )
        )
    )
    redis_server = RedisServer() if redis else None
    try:
        settings = Settings(database_url=url, kb_embedder="none")
        await seed_demo(settings)
        # The NLU model the processes load, trained (when stale) once here rather than by the first of them
        # while the others wait on its lock: process start-up is then the same in every run.
        await asyncio.to_thread(ensure_default_model, settings.nlu_model_dir)
        token = await _create_token(url)
        if redis_server is not None:
            redis_server.start()
        async with FakeTelegramAPI() as api:
            cluster = Cluster(
                url,
                api,
                redis_server,
                apps,
                workers,
                log_dir,
                outbox_notify,
                shared_model_cache,
                outbox_direct,
                conversation_mirror,
            )
            bench = ClusterBench(cluster, api, url, token)
            try:
                await cluster.start()
                if warmup:
                    await bench.warm_up()
                bench.run.db_stats = await db_stats(url)
                bench.cpu_baseline()
                duration = chats * per_chat / rate

                async def faults() -> None:
                    await asyncio.sleep(duration * 0.2)
                    await bench.kb_edit()
                    if rolling_restart:
                        await bench.rolling_restart()
                    if kill:
                        await asyncio.sleep(max(0.0, bench.run.started + duration * 0.4 - time.monotonic()))
                        await asyncio.gather(
                            bench.kill_web(apps - 1),
                            bench.kill_poller() if workers else asyncio.sleep(0),
                        )

                await asyncio.gather(
                    bench.load(chats, per_chat, rate, gap_ms / 1000, polled_chats if workers else 0), faults()
                )
                await bench.settle(settle_s)
                await bench.scrape()
                bench.cpu()
                figures = await bench.count()
                after = await db_stats(url)
                if after is not None and bench.run.db_stats is not None:
                    bench.run.db_xacts = after[1] - bench.run.db_stats[1]
                (log_dir / "updates.json").write_text(json.dumps(bench.details, indent=0))
                (log_dir / "anomalies.json").write_text(
                    json.dumps(
                        {
                            "duplicates": bench.duplicate_keys,
                            "fake_minus_sent": bench.extra_chats,
                            "state": bench.state_anomalies,
                            "calls": {
                                chat: [
                                    (
                                        round(c.at - (bench.run.worker_killed_at or 0), 2),
                                        str(c.params.get("text"))[:50],
                                    )
                                    for c in api.calls
                                    if c.method == "sendMessage" and str(c.params.get("chat_id")) == chat
                                ]
                                for chat in bench.extra_chats
                            },
                        },
                        ensure_ascii=False,
                        default=str,
                    )
                )
            finally:
                cluster.stop()
    finally:
        if redis_server is not None:
            redis_server.remove()
        await drop_pg_database(url)
    run = bench.run
    return {
        "apps": apps,
        "workers": workers,
        "outbox_notify": outbox_notify,
        "outbox_direct": outbox_direct,
        "shared_model_cache": shared_model_cache and redis,
        "conversation_mirror": conversation_mirror and redis,
        **figures,
        "kb_visible_s": run.kb_visible_s,
        "kb_seen_s": [run.kb_seen.get(i) for i in range(apps)],
        "takeover_s": run.takeover_s,
        "pollers": run.pollers,
        "metrics_missing": run.metrics_missing,
        "metrics_missing_names": run.metrics_missing_names,
        "cpu_s": run.cpu_s,
        # Per message answered: the app's processes, then what shares their cores (see `cpu`).
        "cpu_ms_per_msg": {
            role: round(seconds * 1000 / max(figures["messages"], 1), 2)
            for role, seconds in run.cpu_s.items()
        },
        "warmed": run.warmed,
        # Transactions PostgreSQL ended in the run's database per message (an autocommit statement is one):
        # every process's, and the bench's own looks while it waits for the replies (about 4 a second).
        # Turns each kind of process ran (its `helpdesk_handling_seconds` count; a killed process's are lost):
        # the web processes record every message, so a worker's turns are rows handed over to its loop.
        "turns_by_role": run.turns_by_role,
        "db_xacts_per_msg": round(run.db_xacts / max(figures["messages"], 1), 2) if run.db_xacts else None,
        "web_restart_s": run.web_restart_s,
        "worker_restart_s": run.worker_restart_s,
        "errors": run.errors,
    }


def register(bench: click.Group) -> None:
    """Attach `cluster` to the `helpdesk bench` group."""

    @bench.command("cluster")
    @click.option("--apps", default=3, show_default=True, help="Web processes (webhooks, API).")
    @click.option(
        "--workers", default=2, show_default=True, help="Worker processes (delivery, timers, polling)."
    )
    @click.option("--chats", default=150, show_default=True, help="Client chats posting to the webhooks.")
    @click.option(
        "--per-chat", default=4, show_default=True, help="Messages each chat sends in quick succession."
    )
    @click.option("--rate", default=60.0, show_default=True, help="Messages per second offered in all.")
    @click.option("--gap-ms", default=20.0, show_default=True, help="Time between two messages of one chat.")
    @click.option(
        "--polled-chats", default=10, show_default=True, help="Chats that write through Telegram polling."
    )
    @click.option(
        "--settle-s", default=120.0, show_default=True, help="Longest wait for the replies after the load."
    )
    @click.option(
        "--kill/--no-kill",
        default=True,
        show_default=True,
        help="SIGKILL a web process and the polling worker.",
    )
    @click.option(
        "--redis/--no-redis", default=True, show_default=True, help="Run a Redis of the bench's own."
    )
    @click.option(
        "--rolling-restart",
        is_flag=True,
        help="After the KB edit, restart the web processes one by one (SIGTERM, start, wait): rolling_*.",
    )
    @click.option(
        "--outbox-notify/--no-outbox-notify",
        default=True,
        show_default=True,
        help="Keep the outbox's NOTIFY (off: workers find replies on their 0.5 s poll, as before it).",
    )
    @click.option(
        "--outbox-direct/--no-outbox-direct",
        default=True,
        show_default=True,
        help="A web process sends the replies its turns queued (off: the workers send every reply).",
    )
    @click.option(
        "--shared-model-cache/--no-shared-model-cache",
        default=True,
        show_default=True,
        help="Share NLU parses and query vectors between the processes through Redis (MODEL_CACHE_SHARED).",
    )
    @click.option(
        "--conversation-mirror/--no-conversation-mirror",
        default=False,
        show_default=True,
        help="Mirror conversation state to Redis (CONVERSATION_MIRROR), read by the turns instead of PostgreSQL.",
    )
    @click.option(
        "--log-dir", type=click.Path(path_type=Path), default=None, help="Keep the processes' logs here."
    )
    @click.option(
        "--warmup",
        is_flag=True,
        help="Before the load, every demo question once through every web process, not measured (as "
        "`bench dialogue` warms its app's caches).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def cluster(
        apps: int,
        workers: int,
        chats: int,
        per_chat: int,
        rate: float,
        gap_ms: float,
        polled_chats: int,
        settle_s: float,
        kill: bool,
        redis: bool,
        outbox_notify: bool,
        outbox_direct: bool,
        rolling_restart: bool,
        shared_model_cache: bool,
        conversation_mirror: bool,
        log_dir: Path | None,
        warmup: bool,
        as_json: bool,
    ) -> None:
        """Per-chat order, exactly-once replies, KB visibility, polling takeover and /metrics across processes."""
        if apps < 1 or workers < 1:
            raise click.BadParameter("at least one web process and one worker (the worker delivers)")
        with tempfile.TemporaryDirectory(prefix="hd-cluster-") as tmp:
            if log_dir is not None:
                tmp = str(log_dir)
                log_dir.mkdir(parents=True, exist_ok=True)
            figures = asyncio.run(
                run_cluster(
                    apps=apps,
                    workers=workers,
                    chats=chats,
                    per_chat=per_chat,
                    rate=rate,
                    gap_ms=gap_ms,
                    polled_chats=polled_chats,
                    settle_s=settle_s,
                    kill=kill,
                    redis=redis,
                    log_dir=Path(tmp),
                    outbox_notify=outbox_notify,
                    outbox_direct=outbox_direct,
                    rolling_restart=rolling_restart,
                    shared_model_cache=shared_model_cache,
                    warmup=warmup,
                    conversation_mirror=conversation_mirror,
                )
            )
        if as_json:
            click.echo(json.dumps(figures))
        else:
            click.echo(" ".join(f"{k}={v}" for k, v in figures.items()))
