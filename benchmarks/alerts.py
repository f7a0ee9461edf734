"""`helpdesk bench alerts`: monitoring alerts through `POST /api/alerts` into tickets, timed per call.

On a fresh PostgreSQL database of the run's own (or `--sqlite`), with the demo company, one equipment type and
one unit per fingerprint, the app is started (web and worker) and `--alerts` alerts in Alertmanager's format
are sent over HTTP by `--concurrency` clients: `--fingerprints` fingerprints, each firing and resolving in
turn (half the alerts are resolved), the rounds interleaved so that alerts of one fingerprint are in flight
at once. Prints `{"alerts", "tickets", "duplicates", "p95_ms", "p50_ms", "max_ms", "errors", "outcomes",
"backend", "load"}`: `tickets` counts the tickets opened, `duplicates` the tickets a fingerprint opened beyond its first (none should: the type does not resolve on
recovery, so every fingerprint's ticket stays open). The API's per-token rate limit is raised for the run.

Latency on a shared machine swings with its load, so the run also prints what an alert costs, which does not:
`round_trips_per_alert` (statements, BEGINs, COMMITs and ROLLBACKs the app sent to the database, per alert),
`app_cpu_ms_per_alert` (this process's CPU while sending, the in-process client included) and
`db_cpu_ms_per_alert` (the CPU of the PostgreSQL backends serving this run's database, from /proc).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import click
from aiohttp import web
from sqlalchemy import event, func, select, text

from benchmarks.db import bench_pg_url, drop_pg_database, fresh_pg_database, own_database
from helpdesk.api.tokens import hash_token, new_token
from helpdesk.demo.seed import seed_demo
from helpdesk.heap import freeze_startup_heap
from helpdesk.runtime import build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app
from storage.api_tokens import ApiTokenRecord, SqlApiTokenRepository
from storage.migrate import upgrade
from storage.tables import ticket_events, tickets
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.model import Actor

SITES = ("acme-wh1", "acme-office", "rom-nevsky", "rom-petrograd", "rom-vaska", "nordlog-khimki")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def plan(alerts: int, fingerprints: int) -> list[tuple[int, str]]:
    """(fingerprint index, status) in sending order: round r of every fingerprint, firing on even rounds."""
    rounds = -(-alerts // fingerprints)
    order = [(f, "firing" if r % 2 == 0 else "resolved") for r in range(rounds) for f in range(fingerprints)]
    return order[:alerts]


async def _run(url: str, alerts: int, fingerprints: int, concurrency: int) -> dict[str, Any]:
    await upgrade(url)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        kb_embedder="none",
        kb_cache_dir=None,
        worker_poll_s=0.2,
        api_rate_per_s=10_000,  # a monitoring token's bursts are the point here, not the API's rate limit
        api_rate_burst=10_000,
    )
    await seed_demo(settings, with_kb=False)
    rt = await build_runtime(settings, load_kb=False, load_nlu=False)
    now = datetime.now(UTC)
    async with rt.uows() as uow:
        await eq.save_type(uow, Actor.system(), EquipmentType("srv", "Сервер", "Server", "it"), now)
        rows = "".join(f"{SITES[i % len(SITES)]},srv,Server {i}\n" for i in range(fingerprints))
        await eq.import_units(uow, Actor.system(), "site,type,name\n" + rows, now)
        await uow.commit()
        codes = [u.code for u in await uow.equipment.find(UnitFilter(), limit=fingerprints)]
    token = new_token()
    async with rt.sessions() as session:
        record = ApiTokenRecord(uuid.uuid4().hex, "bench", hash_token(token), ("alerts:write",), now, "bench")
        await SqlApiTokenRepository(session).add(record)
        await session.commit()
    trips = [0]

    def count(*_args: Any) -> None:
        trips[0] += 1

    for name in ("before_cursor_execute", "begin", "commit", "rollback"):
        event.listen(rt.db.sync_engine, name, count)
    # Served as `helpdesk run` serves (helpdesk/cli/app_commands.py): no access log, the start-up heap frozen.
    runner = web.AppRunner(build_web_app(rt), access_log=None)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await rt.start(polling=False)
    freeze_startup_heap()
    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for item in plan(alerts, fingerprints):
        queue.put_nowait(item)
    latencies: list[float] = []
    by_outcome: dict[str, list[float]] = {}
    outcomes: Counter[str] = Counter()
    errors: list[str] = []

    async def client(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            f, status = queue.get_nowait()
            body = {
                "version": "4",
                "status": status,
                "alerts": [
                    {
                        "status": status,
                        "labels": {"alertname": "Down", "severity": "critical", "unit": codes[f]},
                        "annotations": {"summary": f"Server {f} does not answer"},
                        "fingerprint": f"bench-{f}",
                    }
                ],
            }
            started = time.perf_counter()
            async with http.post(
                f"http://127.0.0.1:{port}/api/alerts", json=body, headers={"Authorization": f"Bearer {token}"}
            ) as response:
                answer = await response.json()
            took = (time.perf_counter() - started) * 1000
            latencies.append(took)
            if response.status != 200:
                errors.append(f"{response.status}: {answer}")
                continue
            outcomes.update(item["outcome"] for item in answer["items"])
            for item in answer["items"]:
                by_outcome.setdefault(item["outcome"], []).append(took)

    try:
        db_before = await _backend_cpu_s(rt)
        trips[0], cpu_before = 0, time.process_time()
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(client(http) for _ in range(concurrency)))
        app_cpu, sent_trips = time.process_time() - cpu_before, trips[0]
        db_after = await _backend_cpu_s(rt)
        async with rt.sessions() as session:
            opened = int((await session.execute(select(func.count()).select_from(tickets))).scalar_one())
            received = await session.execute(
                select(ticket_events.c.data).where(ticket_events.c.name == "alert_received")
            )
            per_fingerprint = Counter(
                event.data["fingerprint"] for event in received if event.data["outcome"] == "opened"
            )
    finally:
        await rt.close()
        await runner.cleanup()
    latencies.sort()
    return {
        "alerts": len(latencies),
        "tickets": opened,
        "duplicates": sum(n - 1 for n in per_fingerprint.values()),
        "p95_ms": _p95(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "max_ms": round(latencies[-1], 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "outcomes": dict(outcomes),
        "p95_ms_by_outcome": {name: _p95(times) for name, times in sorted(by_outcome.items())},
        "round_trips_per_alert": round(sent_trips / max(1, len(latencies)), 2),
        "app_cpu_ms_per_alert": round(1000 * app_cpu / max(1, len(latencies)), 2),
        "db_cpu_ms_per_alert": (
            round(1000 * sum(t - db_before.get(pid, 0.0) for pid, t in db_after.items()) / len(latencies), 2)
            if db_after and latencies
            else None
        ),
    }


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return round(ordered[int(0.95 * (len(ordered) - 1))], 1)


def _proc_cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _backend_cpu_s(rt: Any) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving this run's database (empty on SQLite or without /proc)."""
    if rt.db.dialect.name != "postgresql":
        return {}
    async with rt.sessions() as session:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [int(p) for p in (await session.execute(query)).scalars()]
    found = {pid: _proc_cpu_s(pid) for pid in pids}
    return {pid: cpu for pid, cpu in found.items() if cpu is not None}


def register(bench: click.Group) -> None:
    """Attach `alerts` to the `helpdesk bench` group."""

    @bench.command("alerts")
    @click.option("--alerts", "count", default=1000, show_default=True)
    @click.option("--fingerprints", default=50, show_default=True)
    @click.option("--concurrency", default=8, show_default=True, help="Clients sending at once.")
    @click.option("--db-url", default=None, help="PostgreSQL URL (a database of the run's own is made).")
    @click.option("--sqlite", is_flag=True, help="A SQLite file instead of PostgreSQL.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def alerts(
        count: int, fingerprints: int, concurrency: int, db_url: str | None, sqlite: bool, as_json: bool
    ) -> None:
        """Alerts through POST /api/alerts: tickets opened, duplicates and the p95 latency of a call."""

        async def main() -> dict[str, Any]:
            if sqlite:
                with tempfile.TemporaryDirectory() as tmp:
                    url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
                    return {**await _run(url, count, fingerprints, concurrency), "backend": "sqlite"}
            url = own_database(bench_pg_url(db_url))
            await fresh_pg_database(url)
            try:
                return {**await _run(url, count, fingerprints, concurrency), "backend": "postgresql"}
            finally:
                await drop_pg_database(url)

        result = asyncio.run(main())
        result["concurrency"] = concurrency
        result["load"] = [round(x, 2) for x in os.getloadavg()]
        click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))
