"""`helpdesk bench ticket-writes`: tickets/s through their whole life with 1, 4 and 16 concurrent writers.

Each writer takes tickets through the use cases the app runs, one transaction per step, as the dialogue
engine and the worker do: open (a client), offer (the dispatcher), accept, start and resolve (the
engineer), close (the client). The report rollups are kept by the database in those same transactions
(`storage.report_rollup_sql`), so this is where shared rollup rows would make writers wait on each other.

On a fresh PostgreSQL database of its own with the demo company, for each writer count the bench runs for
`--seconds` and counts the tickets closed. Meanwhile a sampler reads `pg_locks` every few milliseconds:
each lock wait it sees (a backend, the moment it started waiting) lasts until the last sample that still
shows it, and the write transactions that saw no wait count as 0 ms. Prints `{"writers_1", "writers_4",
"writers_16"}` (tickets/s), `lock_wait_ms_p99`, `lock_waits` (how many were seen), `deadlocks`, the
statements that waited most (`waiting_on`), the same rates with the rollup triggers dropped
(`without_rollups`), and the machine's load.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import click
from sqlalchemy.exc import DBAPIError

from benchmarks.db import bench_pg_url, drop_pg_database, fresh_pg_database, own_database
from benchmarks.seed import asyncpg_dsn
from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import build_runtime
from helpdesk.settings import Settings
from storage.report_triggers import create_triggers, drop_triggers
from ticket_core.enums import Role
from ticket_core.model import Actor
from ticket_core.usecases.feedback import close_ticket
from ticket_core.usecases.offers import accept_offer, offer_ticket
from ticket_core.usecases.opening import TicketDraft, open_ticket
from ticket_core.usecases.work import resolve_ticket, start_work

SAMPLE_S = 0.003
WRITER_COUNTS = (1, 4, 16)
CLIENT = Actor(Role.CLIENT, "acme-anna", client_id="acme", name="Anna Brown")
STEPS = 6  # transactions per ticket: open, offer, accept, start, resolve, close


@dataclass
class Run:
    """What one writer count gave."""

    closed: int = 0
    unrouted: int = 0
    deadlocks: int = 0
    seconds: float = 0.0
    waits_ms: list[float] = field(default_factory=list)
    waiting: Counter[str] = field(default_factory=Counter)  # lock-wait samples per statement

    @property
    def rate(self) -> float:
        return self.closed / self.seconds if self.seconds else 0.0


async def _ticket_life(uows: Any, n: int, run: Run) -> bool:
    """Take one ticket from open to closed; False when nobody could take it (it stays open).

    A step that the database ends as a deadlock is counted and tried again, as the inbox would.
    """

    async def step(work: Callable[[Any], Awaitable[Any]]) -> Any:
        for attempt in range(5):
            try:
                async with uows() as uow:
                    result = await work(uow)
                    await uow.commit()
                    return result
            except DBAPIError as error:
                if "deadlock" not in str(error) or attempt == 4:
                    raise
                run.deadlocks += 1
        raise AssertionError("unreachable")

    def now() -> datetime:
        return datetime.now(UTC)

    draft = TicketDraft(client_id="acme", category="it", description=f"bench ticket {n}", site_id="acme-wh1")
    ticket = await step(lambda uow: open_ticket(uow, CLIENT, draft, now()))
    offered = await step(lambda uow: offer_ticket(uow, Actor.system(), ticket.id, now()))
    if not offered:
        return False
    engineer = Actor(Role.ENGINEER, offered[0].engineer_id)
    await step(lambda uow: accept_offer(uow, engineer, ticket.id, now()))
    await step(lambda uow: start_work(uow, engineer, ticket.id, now()))
    await step(lambda uow: resolve_ticket(uow, engineer, ticket.id, now(), "done by the bench", 5))
    await step(lambda uow: close_ticket(uow, CLIENT, ticket.id, now()))
    return True


async def _sample_lock_waits(dsn: str, stop: asyncio.Event) -> tuple[list[float], Counter[str]]:
    """Lock waits of the bench's database seen in `pg_locks` until `stop` (ms each, at least one sample
    long), and how many samples found each statement waiting."""
    conn = await asyncpg.connect(dsn)
    seen: dict[tuple[int, datetime], float] = {}  # (pid, waitstart) -> last time seen waiting
    waiting: Counter[str] = Counter()
    try:
        while not stop.is_set():
            rows = await conn.fetch(
                "SELECT l.pid, l.waitstart, clock_timestamp() AS at, left(a.query, 90) AS query FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND l.waitstart IS NOT NULL AND l.pid <> pg_backend_pid() "
                "AND a.datname = current_database()"
            )
            for row in rows:
                key = (row["pid"], row["waitstart"])
                seen[key] = (row["at"] - row["waitstart"]).total_seconds() * 1000
                waiting[row["query"]] += 1
            await asyncio.sleep(SAMPLE_S)
    finally:
        await conn.close()
    return list(seen.values()), waiting


async def _run(uows: Any, dsn: str, writers: int, seconds: float, first: int) -> Run:
    run = Run()
    stop_at = time.perf_counter() + seconds
    stop_sampling = asyncio.Event()
    sampler = asyncio.create_task(_sample_lock_waits(dsn, stop_sampling))

    async def writer(w: int) -> None:
        n = first + w * 1_000_000
        while time.perf_counter() < stop_at:
            n += 1
            if await _ticket_life(uows, n, run):
                run.closed += 1
            else:
                run.unrouted += 1

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    run.seconds = time.perf_counter() - started
    stop_sampling.set()
    run.waits_ms, run.waiting = await sampler
    return run


async def _set_rollups(dsn: str, on: bool) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for statement in create_triggers("postgresql") if on else drop_triggers("postgresql"):
            await conn.execute(statement)
    finally:
        await conn.close()


def _p99(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[int(0.99 * (len(ordered) - 1))]


async def _bench(url: str, seconds: float, counts: tuple[int, ...]) -> dict[str, Any]:
    settings = Settings(database_url=url)
    await seed_demo(settings)
    rt = await build_runtime(settings, load_kb=False, load_nlu=False)
    dsn = asyncpg_dsn(url)
    result: dict[str, Any] = {}
    try:
        waits: list[float] = []
        waiting: Counter[str] = Counter()
        transactions = 0
        for i, writers in enumerate(counts):
            run = await _run(rt.uows, dsn, writers, seconds, first=i * 100_000)
            result[f"writers_{writers}"] = round(run.rate, 1)
            result[f"unrouted_{writers}"] = run.unrouted
            result["deadlocks"] = result.get("deadlocks", 0) + run.deadlocks
            waits += run.waits_ms
            waiting += run.waiting
            transactions += (run.closed + run.unrouted) * STEPS
        # Transactions that waited for no lock count as 0 ms.
        result["lock_wait_ms_p99"] = round(_p99(waits + [0.0] * max(0, transactions - len(waits))), 1)
        result["lock_wait_ms_max"] = round(max(waits, default=0.0), 1)
        result["lock_waits"] = len(waits)
        await _set_rollups(dsn, on=False)
        without: dict[str, float] = {}
        for i, writers in enumerate(counts):
            run = await _run(rt.uows, dsn, writers, seconds, first=(i + 10) * 100_000)
            without[f"writers_{writers}"] = round(run.rate, 1)
            waiting += run.waiting
        result["without_rollups"] = without
        await _set_rollups(dsn, on=True)
    finally:
        await rt.close()
    result["load"] = round(os.getloadavg()[0], 2)
    # What waited most often (samples per statement): where a hot row is, if there is one.
    result["waiting_on"] = waiting.most_common(3)
    return result


def register(bench: click.Group) -> None:
    """Attach `ticket-writes` to the `helpdesk bench` group."""

    @bench.command("ticket-writes")
    @click.option("--seconds", default=8.0, show_default=True, help="How long each writer count runs.")
    @click.option(
        "--writers",
        "counts",
        multiple=True,
        type=int,
        default=WRITER_COUNTS,
        show_default=True,
        help="Writer counts to run (repeatable).",
    )
    @click.option("--db-url", default=None, help="PostgreSQL URL (a database of the run's own is made).")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def ticket_writes(seconds: float, counts: tuple[int, ...], db_url: str | None, as_json: bool) -> None:
        """Tickets per second from open to closed with concurrent writers, and the lock waits among them."""
        url = own_database(bench_pg_url(db_url))

        async def main() -> dict[str, Any]:
            await fresh_pg_database(url)
            try:
                return await _bench(url, seconds, counts)
            finally:
                await drop_pg_database(url)

        result = asyncio.run(main())
        rates = [result[f"writers_{c}"] for c in counts]
        result["median_rate"] = round(statistics.median(rates), 1)
        click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))
