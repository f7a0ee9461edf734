"""`helpdesk bench outbox-wake`: how long a reply queued by a web process waits before a worker sends it.

A web process commits a turn's replies to the outbox; the worker that sends them is another process. Without
a NOTIFY the worker finds them on its poll (WORKER_POLL_S, 0.5 s); with one (the web process's
`storage.notify.Bell`, rung after the commit; a trigger until migration 0024) it wakes at once.
This runs a real `helpdesk worker` (its own process, on a fresh PostgreSQL database, with the fake Telegram
Bot API) and, from this process (standing in for a web process), queues one reply at a time and times
commit -> the fake's sendMessage. Phases with the bell and without it alternate
(on, off, on, off, ...) so that both see the same machine. It prints
`{"with_notify": {"p50_ms", "p90_ms", "p99_ms", "n"}, "without_notify": {...}, "load": [...]}`.

The time measured is the send path only (the dialogue turn is not in it), so it says what the NOTIFY
saves a reply, whatever the turn costs.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from benchmarks.db import bench_pg_url, drop_pg_database, fresh_pg_database, own_database
from benchmarks.fault_processes import AppProcess, free_port
from dialogue.messages import Bot, Channel, Outbound
from storage.db import make_engine, make_sessionmaker
from storage.notify import OUTBOX_CHANNEL, Bell
from storage.uow import UnitOfWorkFactory
from tests.fakes.telegram_api import FakeTelegramAPI


def _quantiles(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"p50_ms": None, "p90_ms": None, "p99_ms": None, "n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50_ms": at(0.5), "p90_ms": at(0.9), "p99_ms": at(0.99), "n": len(ordered)}


async def _one(uows: UnitOfWorkFactory, api: FakeTelegramAPI, chat: str, timeout_s: float) -> float | None:
    """Queue one reply as a web process's turn would and return ms from its commit to the fake's call."""
    label = f"wake {chat} {time.monotonic_ns()}"
    async with uows() as uow:
        message = Outbound(Channel.TELEGRAM, Bot.CLIENT, chat, label)
        await uow.outbox.add("telegram", "client", chat, message.to_dict(), datetime.now(UTC))
        await uow.commit()
    committed = time.monotonic()
    deadline = committed + timeout_s
    while time.monotonic() < deadline:
        for call in reversed(api.calls):
            if call.method == "sendMessage" and call.params.get("text") == label:
                return (call.at - committed) * 1000
        await asyncio.sleep(0.002)
    return None


async def run_outbox_wake(*, rounds: int, per_phase: int, log_dir: Path) -> dict[str, Any]:
    """Alternate phases with and without the trigger; return the figures (see the module docstring)."""
    url = await fresh_pg_database(
        own_database(
            bench_pg_url(
                os.environ.get("HELPDESK_BENCH_CLUSTER_PG_URL")
                or "postgresql+asyncpg://postgres@127.0.0.1:5432/helpdesk_bench_wake"
            )
        )
    )
    db = make_engine(url)
    bell = Bell(db, OUTBOX_CHANNEL)
    ringing = {
        True: UnitOfWorkFactory(make_sessionmaker(db), on_outbox=bell.ring),
        False: UnitOfWorkFactory(make_sessionmaker(db)),
    }
    times: dict[bool, list[float]] = {True: [], False: []}
    missed = 0
    load_before = [round(x, 1) for x in os.getloadavg()]
    try:
        async with FakeTelegramAPI() as api:
            port = free_port()
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "NLU_TRAIN_IN_BACKGROUND": "false",  # a stale model trains before the processes are up, not under the load
                "TELEGRAM_CLIENT_TOKEN": api.default_token,
                "TELEGRAM_API_BASE": api.base_url,
                "TELEGRAM_RATE_LIMITS": "false",
                "PUBLIC_URL": "http://127.0.0.1:9",  # webhooks: the worker does not poll
                "TELEGRAM_SET_WEBHOOK": "false",
                "SECRET_KEY": "bench-outbox-wake-secret-key",
                "KB_EMBEDDER": "none",
                "METRICS_PORT": str(port),
                "HELPDESK_LOG_LEVEL": "WARNING",
            }
            worker = AppProcess(
                "worker", ["worker"], env, log_dir, health_url=f"http://127.0.0.1:{port}/healthz"
            )
            worker.spawn()
            try:
                await worker.wait_ready()
                for _ in range(rounds):
                    for notify in (True, False):
                        for i in range(per_phase):
                            ms = await _one(ringing[notify], api, f"{900000 + i}", timeout_s=10)
                            if ms is None:
                                missed += 1
                            else:
                                times[notify].append(ms)
                            # apart, at a random phase of the worker's poll, as replies come
                            await asyncio.sleep(0.1 + random.random() * 0.5)
            finally:
                worker.terminate()
    finally:
        await bell.close()
        await db.dispose()
        await drop_pg_database(url)
    return {
        "with_notify": _quantiles(times[True]),
        "without_notify": _quantiles(times[False]),
        "missed": missed,
        "load": {"before": load_before, "after": [round(x, 1) for x in os.getloadavg()]},
    }


def register(bench: click.Group) -> None:
    """Attach `outbox-wake` to the `helpdesk bench` group."""

    @bench.command("outbox-wake")
    @click.option("--rounds", default=3, show_default=True, help="On/off phase pairs.")
    @click.option("--per-phase", default=20, show_default=True, help="Replies timed in each phase.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def outbox_wake(rounds: int, per_phase: int, as_json: bool) -> None:
        """Commit -> send time of a reply queued by another process, with and without the outbox NOTIFY."""
        with tempfile.TemporaryDirectory(prefix="hd-wake-") as tmp:
            figures = asyncio.run(run_outbox_wake(rounds=rounds, per_phase=per_phase, log_dir=Path(tmp)))
        if as_json:
            click.echo(json.dumps(figures))
            return
        for key in ("with_notify", "without_notify"):
            f = figures[key]
            click.echo(
                f"{key}: p50 {f['p50_ms']} ms, p90 {f['p90_ms']} ms, p99 {f['p99_ms']} ms (n={f['n']})"
            )
        click.echo(f"load {figures['load']}")
