"""`helpdesk bench timers` (one tick over 100,000 open tickets) and `helpdesk bench worker-crash` (two
worker processes, one killed with SIGKILL mid-burst: every alert still sent exactly once), on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import func, insert, select

from benchmarks.db import bench_pg_url, fresh_pg_database
from dialogue.engine import DialogueEngine
from dialogue.messages import Bot
from dialogue.payloads import PayloadSigner
from helpdesk.cli.bench import bench
from helpdesk.sla_worker import SlaWorker
from storage.db import make_engine, make_sessionmaker
from storage.sla_tables import sla_alerts, sla_timers
from storage.tables import channel_accounts, clients, outbox, staff, tickets
from storage.uow import UnitOfWorkFactory
from ticket_core.enums import PersonKind, Priority, Role, TicketStatus
from ticket_core.sla.config import DEFAULT_CONFIG
from ticket_core.sla.ports import SLA_TIMER, TimerStatus, sla_store

CHUNK = 5000
_REF = re.compile(r"HD-\d+")


def _ticket_row(i: int, created: datetime, assignee: str | None) -> dict[str, object]:
    return {
        "id": f"bt-{i}",
        "number": 10_000 + i,
        "client_id": "bench",
        "contact_id": None,
        "category": "it",
        "priority": str(Priority.P1),
        "description": "bench",
        "created_at": created,
        "status": str(TicketStatus.IN_PROGRESS if assignee else TicketStatus.NEW),
        "assignee_id": assignee,
        "attachments": [],
        "first_response_at": created + timedelta(minutes=5) if assignee else None,
        "version": 1,
        "reopen_count": 0,
    }


async def _timers(url: str, n: int, due: int, runs: int, batch: int) -> dict[str, object]:
    await fresh_pg_database(url)
    db = make_engine(url)
    now = datetime.now(UTC)
    try:
        async with db.begin() as conn:
            await conn.execute(insert(clients).values(id="bench", name="Bench", kind="company"))
            for start in range(0, n, CHUNK):
                rows = [
                    _ticket_row(i, now - timedelta(hours=1), None)
                    for i in range(start, min(n, start + CHUNK))
                ]
                await conn.execute(insert(tickets), rows)
                # `due` timers are due now; the rest spread over the next 30 days
                timer_rows = [
                    {
                        "ticket_id": r["id"],
                        "kind": SLA_TIMER,
                        "due_at": now - timedelta(seconds=1)
                        if i < due
                        else now + timedelta(minutes=1 + i % 43_000),
                        "level": 0,
                        "status": str(TimerStatus.PENDING),
                        "attempts": 0,
                        "updated_at": now,
                    }
                    for i, r in zip(range(start, start + len(rows)), rows, strict=True)
                ]
                await conn.execute(insert(sla_timers), timer_rows)
        async with db.connect() as conn:
            await conn.exec_driver_sql("ANALYZE sla_timers")
        uows = UnitOfWorkFactory(make_sessionmaker(db), sla_config=DEFAULT_CONFIG)
        times: list[float] = []
        found = 0
        for _ in range(runs):
            async with uows() as uow:
                started = time.perf_counter()
                claimed = await sla_store(uow).claim_due(
                    datetime.now(UTC), "bench", timedelta(seconds=60), batch
                )
                times.append((time.perf_counter() - started) * 1000)
                found = len(claimed)
                await uow.rollback()  # leave them due for the next measurement
        async with db.connect() as conn:
            open_tickets = (await conn.execute(select(func.count()).select_from(tickets))).scalar()
    finally:
        await db.dispose()
    return {
        "open_tickets": open_tickets,
        "tick_ms": round(statistics.median(times), 2),
        "tick_ms_max": round(max(times), 2),
        "due_found": found,
        "runs": runs,
    }


@bench.command("timers")
@click.option("--tickets", "n", default=100_000, show_default=True, help="Open tickets, each with a timer.")
@click.option("--due", default=100, show_default=True, help="How many of them are due now.")
@click.option("--runs", default=30, show_default=True, help="Ticks measured (median reported).")
@click.option("--batch", default=100, show_default=True, help="Timers claimed per tick.")
@click.option("--db-url", default=None, help="PostgreSQL URL of a scratch database (dropped and re-created).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def timers(n: int, due: int, runs: int, batch: int, db_url: str | None, as_json: bool) -> None:
    """Time one tick (find and claim the due timers) among many open tickets."""
    result = asyncio.run(_timers(bench_pg_url(db_url), n, due, runs, batch))
    click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))


async def _seed_burst(url: str, n: int) -> None:
    await fresh_pg_database(url)
    db = make_engine(url)
    now = datetime.now(UTC)
    try:
        async with db.begin() as conn:
            await conn.execute(insert(clients).values(id="bench", name="Bench", kind="company"))
            for sid, role in (("e-bench", Role.ENGINEER), ("s-bench", Role.SUPERVISOR)):
                await conn.execute(
                    insert(staff).values(
                        id=sid,
                        name=sid,
                        role=str(role),
                        skills=["it"],
                        level=1,
                        max_parallel_jobs=3,
                        on_shift=True,
                        lang="en",
                    )
                )
                await conn.execute(
                    insert(channel_accounts).values(
                        channel="web",
                        bot=str(Bot.STAFF),
                        account_id=sid,
                        person_kind=str(PersonKind.STAFF),
                        person_id=sid,
                        chat_id=sid,
                    )
                )
            # P1 (4 h resolution) opened 4.5 h ago and answered: the 75 % warning and the breach are both due.
            rows = [_ticket_row(i, now - timedelta(hours=4, minutes=30), "e-bench") for i in range(n)]
            for start in range(0, n, CHUNK):
                await conn.execute(insert(tickets), rows[start : start + CHUNK])
                await conn.execute(
                    insert(sla_timers),
                    [
                        {
                            "ticket_id": r["id"],
                            "kind": SLA_TIMER,
                            "due_at": now - timedelta(minutes=1),
                            "level": 0,
                            "status": str(TimerStatus.PENDING),
                            "attempts": 0,
                            "updated_at": now,
                        }
                        for r in rows[start : start + CHUNK]
                    ],
                )
    finally:
        await db.dispose()


async def _pending(url: str) -> int:
    db = make_engine(url)
    try:
        async with db.connect() as conn:
            stmt = (
                select(func.count())
                .select_from(sla_timers)
                .where(
                    sla_timers.c.status == str(TimerStatus.PENDING), sla_timers.c.due_at <= datetime.now(UTC)
                )
            )
            return int((await conn.execute(stmt)).scalar() or 0)
    finally:
        await db.dispose()


async def _count(url: str, n: int) -> dict[str, object]:
    db = make_engine(url)
    try:
        async with db.connect() as conn:
            alerts = (await conn.execute(select(sla_alerts.c.ticket_id, sla_alerts.c.level))).all()
            messages = (await conn.execute(select(outbox.c.chat_id, outbox.c.payload))).all()
    finally:
        await db.dispose()
    # Each ticket owes exactly two messages: the warning to its engineer and the breach to the supervisor.
    per_message = Counter((chat, _REF.search(payload["text"]).group(0)) for chat, payload in messages)  # type: ignore[union-attr]
    expected = {(chat, f"HD-{10_000 + i}") for i in range(n) for chat in ("e-bench", "s-bench")}
    got = {key for key in per_message}
    return {
        "timers": n,
        "alerts_sent": len(alerts),
        "messages": len(messages),
        "duplicates": sum(c - 1 for c in per_message.values() if c > 1) + (len(alerts) - len(set(alerts))),
        "missing": len(expected - got) + (2 * n - len(set(alerts)) if len(set(alerts)) < 2 * n else 0),
    }


def _spawn(url: str, lease_s: float, name: str) -> subprocess.Popen[bytes]:
    code = "from helpdesk.cli import main; main()"
    args = [
        sys.executable,
        "-c",
        code,
        "bench",
        "sla-worker",
        "--db-url",
        url,
        "--lease-s",
        str(lease_s),
        "--name",
        name,
    ]
    return subprocess.Popen(args, env={**os.environ, "PYTHONUNBUFFERED": "1"})


@bench.command("worker-crash")
@click.option("--timers", "n", default=1000, show_default=True, help="Timers due at once (the burst).")
@click.option(
    "--kill-after-s", default=3.0, show_default=True, help="SIGKILL one worker this long after the start."
)
@click.option(
    "--lease-s",
    default=5.0,
    show_default=True,
    help="Claim lease; the survivor retakes the dead one's timers after it.",
)
@click.option("--timeout-s", default=300.0, show_default=True)
@click.option("--db-url", default=None, help="PostgreSQL URL of a scratch database (dropped and re-created).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def worker_crash(
    n: int, kill_after_s: float, lease_s: float, timeout_s: float, db_url: str | None, as_json: bool
) -> None:
    """Two worker processes work a burst of due timers; one is killed; count alerts and messages."""
    url = bench_pg_url(db_url)
    asyncio.run(_seed_burst(url, n))
    started = time.perf_counter()
    doomed, survivor = _spawn(url, lease_s, "doomed"), _spawn(url, lease_s, "survivor")
    time.sleep(kill_after_s)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    pending_before_kill_done = asyncio.run(_pending(url))
    deadline = time.monotonic() + timeout_s
    quiet = 0
    while time.monotonic() < deadline and quiet < 2:
        time.sleep(lease_s / 2)
        quiet = quiet + 1 if asyncio.run(_pending(url)) == 0 else 0
    survivor.terminate()
    survivor.wait(timeout=30)
    result = asyncio.run(_count(url, n))
    result["pending_when_killed"] = pending_before_kill_done
    result["seconds"] = round(time.perf_counter() - started, 1)
    click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))


@bench.command("sla-worker", hidden=True)
@click.option("--db-url", required=True)
@click.option("--lease-s", default=5.0)
@click.option("--name", default=None)
def sla_worker_process(db_url: str, lease_s: float, name: str | None) -> None:
    """Run an SLA worker process until terminated (used by worker-crash)."""

    async def run() -> None:
        db = make_engine(db_url)
        uows = UnitOfWorkFactory(make_sessionmaker(db), sla_config=DEFAULT_CONFIG)
        engine = DialogueEngine(uows, PayloadSigner("bench"))
        worker = SlaWorker(engine, lease=timedelta(seconds=lease_s), batch=20, period_s=0.2, sweep_every=0)
        if name:
            worker.name = f"{name}:{uuid.uuid4().hex[:4]}"
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        try:
            await worker.run(stop)
        finally:
            await db.dispose()

    asyncio.run(run())
