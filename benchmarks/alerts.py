"""`helpdesk bench alerts`: monitoring alerts through `POST /api/alerts` into tickets, timed per call.

On a fresh PostgreSQL database of the run's own (or `--sqlite`), with the demo company, one equipment type and
one unit per fingerprint, the app runs as its own process (`helpdesk run`, web and worker, as in production),
and this process sends `--alerts` alerts in Alertmanager's format over HTTP: `--fingerprints` fingerprints,
each firing and resolving in turn (half the alerts are resolved), round r of every fingerprint before round
r + 1, so the first round opens every ticket at once.

The load is open by default, as a monitoring system's is: one sender starts each alert when it is due
(`--rate` per second, whether or not earlier ones were answered; 20 by default, 1,200 a minute, well above
what one desk's monitoring sends) over one client session whose keep-alive connections stay open, and a
call's latency counts from when it was due, so a late start on this side counts against the app too (as
`bench dialogue` does). `--rate 0` sends from `--concurrency` clients that each
wait for their answer instead (a closed load: its latency is the concurrency over the throughput).

Prints `{"alerts", "tickets", "duplicates", "p95_ms", "p50_ms", "max_ms", "errors", "outcomes",
"p95_ms_by_outcome", ...}`: `tickets` counts the tickets opened, `duplicates` the tickets a fingerprint opened
beyond its first (none should: the type does not resolve on recovery, so every fingerprint's ticket stays
open). The API's per-token rate limit is raised for the run. Latency on a shared machine swings with its
load, so the run also prints what an alert costs, which does not: `app_cpu_ms_per_alert` (the app process's
CPU while the alerts were sent; the background loops included, the client not), `client_cpu_ms_per_alert`
(this process), `db_cpu_ms_per_alert` (the PostgreSQL backends serving the run's database) and
`db_xacts_per_alert` (transactions PostgreSQL ended in the run's database). Statements per alert are counted
by `tests/integration/test_equipment_alert_statements.py`.
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
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import click
from sqlalchemy import func, select, text

from benchmarks.app_watch import cpu_s, wait_healthy
from benchmarks.db import bench_pg_url, drop_pg_database, fresh_pg_database, own_database
from benchmarks.fault_processes import free_port
from helpdesk.api.tokens import hash_token, new_token
from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import build_runtime
from helpdesk.settings import Settings
from storage.api_tokens import ApiTokenRecord, SqlApiTokenRepository
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.tables import ticket_events, tickets
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.model import Actor

SITES = ("acme-wh1", "acme-office", "rom-nevsky", "rom-petrograd", "rom-vaska", "nordlog-khimki")
WARMUP = 20
"""Alerts naming no unit (each answered `rejected`), sent before the measured ones and not counted: the
app's first requests (the token's look-up, the first connections) are not the alerts' cost. They change
nothing."""
SCHEDULE_LEAD_S = 0.05
"""The schedule starts this long after it is set up: the sender's first look at the clock is never late."""


def plan(alerts: int, fingerprints: int) -> list[tuple[int, str]]:
    """(fingerprint index, status) in sending order: round r of every fingerprint, firing on even rounds."""
    rounds = -(-alerts // fingerprints)
    order = [(f, "firing" if r % 2 == 0 else "resolved") for r in range(rounds) for f in range(fingerprints)]
    return order[:alerts]


async def _prepare(url: str, fingerprints: int) -> tuple[list[str], str]:
    """Migrate and seed the run's database; the units' sticker codes and an `alerts:write` token."""
    await upgrade(url)
    settings = Settings(_env_file=None, database_url=url, kb_embedder="none", kb_cache_dir=None)  # type: ignore[call-arg]
    await seed_demo(settings, with_kb=False)
    rt = await build_runtime(settings, load_kb=False, load_nlu=False)
    try:
        now = datetime.now(UTC)
        async with rt.uows() as uow:
            await eq.save_type(uow, Actor.system(), EquipmentType("srv", "Сервер", "Server", "it"), now)
            rows = "".join(f"{SITES[i % len(SITES)]},srv,Server {i}\n" for i in range(fingerprints))
            await eq.import_units(uow, Actor.system(), "site,type,name\n" + rows, now)
            await uow.commit()
            codes = [u.code for u in await uow.equipment.find(UnitFilter(), limit=fingerprints)]
        token = new_token()
        async with rt.sessions() as session:
            record = ApiTokenRecord(
                uuid.uuid4().hex, "bench", hash_token(token), ("alerts:write",), now, "bench"
            )
            await SqlApiTokenRepository(session).add(record)
            await session.commit()
    finally:
        await rt.close()
    return codes, token


def _body(code: str, fingerprint: str, status: str, summary: str) -> dict[str, Any]:
    return {
        "version": "4",
        "status": status,
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": "Down", "severity": "critical", "unit": code},
                "annotations": {"summary": summary},
                "fingerprint": fingerprint,
            }
        ],
    }


@dataclass
class _Sender:
    """Posts alerts and keeps each call's latency, outcome and error."""

    url: str
    token: str
    latencies: list[float] = field(default_factory=list)
    by_outcome: dict[str, list[float]] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    async def post(
        self, http: aiohttp.ClientSession, body: dict[str, Any], since: float | None = None
    ) -> None:
        """Post one body; its latency counts from `since` (when it was due), else from now."""
        started = time.perf_counter() if since is None else since
        headers = {"Authorization": f"Bearer {self.token}"}
        async with http.post(self.url, json=body, headers=headers) as response:
            answer = await response.json()
        took = (time.perf_counter() - started) * 1000
        self.latencies.append(took)
        if response.status != 200:
            self.errors.append(f"{response.status}: {answer}")
            return
        for item in answer["items"]:
            self.outcomes[item["outcome"]] += 1
            self.by_outcome.setdefault(item["outcome"], []).append(took)


async def _open_load(
    http: aiohttp.ClientSession, sender: _Sender, bodies: list[dict[str, Any]], rate: float
) -> None:
    """Each body started when it is due (`rate` per second) by one sender, whether or not earlier ones were
    answered; only the requests in flight are tasks, not one per body of the run."""
    start = time.perf_counter() + SCHEDULE_LEAD_S
    in_flight: list[asyncio.Task[None]] = []
    for index, body in enumerate(bodies):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        in_flight.append(asyncio.create_task(sender.post(http, body, due)))
    await asyncio.gather(*in_flight)


async def _closed_load(
    http: aiohttp.ClientSession, sender: _Sender, bodies: list[dict[str, Any]], concurrency: int
) -> None:
    """`concurrency` clients, each sending its next body when its last one was answered."""
    queue = list(reversed(bodies))

    async def client() -> None:
        while queue:
            await sender.post(http, queue.pop())

    await asyncio.gather(*(client() for _ in range(concurrency)))


async def _db_state(url: str) -> tuple[dict[int, float], int] | None:
    """The CPU seconds of each PostgreSQL backend serving the run's database, and the transactions ended in it
    (None on SQLite). This look's own connection is left out of both as far as it can be."""
    if not url.startswith("postgresql"):
        return None
    db = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with db.connect() as conn:
            await conn.execute(text("SELECT pg_stat_force_next_flush()"))
            pids = (
                await conn.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid()"
                    )
                )
            ).scalars()
            found = {int(pid): cpu_s(int(pid)) for pid in pids}
            xacts = (
                await conn.execute(
                    text(
                        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
                    )
                )
            ).scalar_one()
    finally:
        await db.dispose()
    return {pid: cpu for pid, cpu in found.items() if cpu is not None}, int(xacts)


async def _measure(
    url: str,
    base: str,
    pid: int,
    codes: list[str],
    token: str,
    alerts: int,
    rate: float,
    concurrency: int,
    connections: int,
) -> dict[str, Any]:
    """Warm up, send the alerts, and read what they cost and what they made."""
    sender = _Sender(f"{base}/api/alerts", token)
    bodies = [
        _body(codes[f], f"bench-{f}", status, f"Server {f} does not answer")
        for f, status in plan(alerts, len(codes))
    ]
    # A due alert that finds every connection busy waits on this side, and the wait counts.
    connector = aiohttp.TCPConnector(limit=connections if rate > 0 else concurrency + 4)
    async with aiohttp.ClientSession(connector=connector) as http:
        warm = _Sender(sender.url, token)
        for i in range(WARMUP):
            await warm.post(http, _body("no-such-unit", f"warm-{i}", "firing", "warm-up"))
        db_before = await _db_state(url)
        app_before, client_before = cpu_s(pid), time.process_time()
        started = time.perf_counter()
        if rate > 0:
            await _open_load(http, sender, bodies, rate)
        else:
            await _closed_load(http, sender, bodies, concurrency)
        elapsed = time.perf_counter() - started
        app_after, client_after = cpu_s(pid), time.process_time()
        db_after = await _db_state(url)
    db = make_engine(url)
    try:
        async with make_sessionmaker(db)() as session:
            opened = int((await session.execute(select(func.count()).select_from(tickets))).scalar_one())
            received = await session.execute(
                select(ticket_events.c.data).where(ticket_events.c.name == "alert_received")
            )
            per_fingerprint = Counter(
                e.data["fingerprint"] for e in received if e.data["outcome"] == "opened"
            )
    finally:
        await db.dispose()
    done = len(sender.latencies)
    per_alert = max(1, done)
    return {
        "alerts": done,
        "tickets": opened,
        "duplicates": sum(n - 1 for n in per_fingerprint.values()),
        "p95_ms": _p95(sender.latencies),
        "p50_ms": round(statistics.median(sender.latencies), 1),
        "max_ms": round(max(sender.latencies), 1),
        "errors": len(sender.errors),
        "first_error": sender.errors[0] if sender.errors else None,
        "outcomes": dict(sender.outcomes),
        "p95_ms_by_outcome": {name: _p95(times) for name, times in sorted(sender.by_outcome.items())},
        "offered": (
            f"open, {rate:g}/s, at most {connections} requests in flight"
            if rate > 0
            else f"closed, {concurrency} clients"
        ),
        "alerts_per_s": round(done / elapsed, 1),
        "app_cpu_ms_per_alert": (
            round(1000 * (app_after - app_before) / per_alert, 2)
            if app_before is not None and app_after is not None
            else None
        ),
        "client_cpu_ms_per_alert": round(1000 * (client_after - client_before) / per_alert, 2),
        "db_cpu_ms_per_alert": (
            round(1000 * sum(t - db_before[0].get(p, 0.0) for p, t in db_after[0].items()) / per_alert, 2)
            if db_before is not None and db_after is not None
            else None
        ),
        # Less the two looks' own transactions.
        "db_xacts_per_alert": (
            round((db_after[1] - db_before[1] - 2) / per_alert, 2)
            if db_before is not None and db_after is not None
            else None
        ),
    }


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return round(ordered[int(0.95 * (len(ordered) - 1))], 1)


def _app_env(url: str, base: str) -> dict[str, str]:
    """The app's environment: the run's database, no bots, the API's rate limit out of the way."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PUBLIC_URL": base,
        "SECRET_KEY": "bench-alerts-secret-key-0123456789abcdef",  # a PUBLIC_URL refuses the default key
        "KB_EMBEDDER": "none",
        "WORKER_POLL_S": "0.2",
        "API_RATE_PER_S": "10000",  # a monitoring token's bursts are the point here, not the API's rate limit
        "API_RATE_BURST": "10000",
        "HELPDESK_LOG_LEVEL": "WARNING",
        "NLU_TRAIN_IN_BACKGROUND": "false",  # a stale NLU model is trained before the app is up, not under load
    }
    for name in ("TELEGRAM_CLIENT_TOKEN", "TELEGRAM_STAFF_TOKEN", "WHATSAPP_TOKEN", "REDIS_URL"):
        env.pop(name, None)
    return env


def run_bench(
    url: str, alerts: int, fingerprints: int, rate: float, concurrency: int, connections: int, tmp: Path
) -> dict[str, Any]:
    """Prepare the database, start the app as its own process, measure, stop it."""
    codes, token = asyncio.run(_prepare(url, fingerprints))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp / "app.log"
    with log_path.open("wb") as log:
        cmd = [sys.executable, "-m", "helpdesk.cli", "run", "--port", str(port)]
        proc = subprocess.Popen(cmd, env=_app_env(url, base), stdout=log, stderr=subprocess.STDOUT)
        try:
            asyncio.run(wait_healthy(base, proc, 600))
            return asyncio.run(
                _measure(url, base, proc.pid, codes, token, alerts, rate, concurrency, connections)
            )
        except BaseException:
            sys.stderr.write(f"the app's log (exit code {proc.poll()}):\n")
            sys.stderr.write(log_path.read_text(errors="replace")[-6000:])
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def register(bench: click.Group) -> None:
    """Attach `alerts` to the `helpdesk bench` group."""

    @bench.command("alerts")
    @click.option("--alerts", "count", default=1000, show_default=True)
    @click.option("--fingerprints", default=50, show_default=True)
    @click.option(
        "--rate",
        type=click.FloatRange(min=0),
        default=20.0,
        show_default=True,
        help="Alerts per second offered on a fixed schedule (an open load, latency from the due time); 0: a "
        "closed load of --concurrency clients instead.",
    )
    @click.option(
        "--concurrency", default=8, show_default=True, help="Clients of the closed load (--rate 0)."
    )
    @click.option(
        "--connections",
        type=click.IntRange(min=1),
        default=16,
        show_default=True,
        help="Requests in flight at most under the open load (kept-alive connections); an alert due while all"
        " are busy waits on this side, and the wait counts.",
    )
    @click.option("--db-url", default=None, help="PostgreSQL URL (a database of the run's own is made).")
    @click.option("--sqlite", is_flag=True, help="A SQLite file instead of PostgreSQL.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def alerts(
        count: int,
        fingerprints: int,
        rate: float,
        concurrency: int,
        connections: int,
        db_url: str | None,
        sqlite: bool,
        as_json: bool,
    ) -> None:
        """Alerts through POST /api/alerts: tickets opened, duplicates and the p95 latency of a call."""
        with tempfile.TemporaryDirectory(prefix="hd-bench-alerts-") as tmp_name:
            tmp = Path(tmp_name)
            if sqlite:
                url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
                result = {
                    **run_bench(url, count, fingerprints, rate, concurrency, connections, tmp),
                    "backend": "sqlite",
                }
            else:
                url = own_database(bench_pg_url(db_url))
                asyncio.run(fresh_pg_database(url))
                try:
                    result = {
                        **run_bench(url, count, fingerprints, rate, concurrency, connections, tmp),
                        "backend": "postgresql",
                    }
                finally:
                    asyncio.run(drop_pg_database(url))
        result["load"] = [round(x, 2) for x in os.getloadavg()]
        click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))
