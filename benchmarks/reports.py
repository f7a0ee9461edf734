"""`helpdesk bench reports`: time every report over N seeded tickets, and the admin pages on the issue's size.

`report_s` is the slowest of the timed reports (the total plus each grouping, for the last 30 days and the
last 365 days, each run `--runs` times and the median taken) on a PostgreSQL database seeded with N
tickets. `page_p95_ms` is the admin pages' own benchmark (`benchmarks.admin_pages.measure_admin_pages`) on a
SEPARATE fresh database (the report database's name + `_pages`) seeded with the issue's page condition:
10,000 tickets and 5,000 articles.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import click
from sqlalchemy.engine import make_url

from benchmarks.db import bench_pg_url, fresh_pg_database
from benchmarks.seed import asyncpg_dsn, seed_articles, seed_tickets
from helpdesk.cli.bench import bench
from storage.db import make_engine
from storage.migrate import upgrade
from storage.reports import SqlReportSource
from ticket_core.reports import GroupBy, ReportFilter

PERIODS = {"month": timedelta(days=30), "year": timedelta(days=365)}
"""The periods timed, ending now."""

PAGE_TICKETS = 10_000
PAGE_ARTICLES = 5_000
"""The issue's condition for page answer times: 10,000 tickets and 5,000 articles."""


def pages_url(url: str) -> str:
    """The URL of the admin pages' own database: the report database's name + `_pages`."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_pages").render_as_string(hide_password=False)


async def _page_p95(url: str, tickets: int, articles: int, requests: int) -> dict[str, Any]:
    """Seed a fresh database with `tickets` and `articles` and measure the admin pages' p95 on it."""
    try:
        measure = importlib.import_module("benchmarks.admin_pages").measure_admin_pages
    except (ModuleNotFoundError, AttributeError):
        return {"page_p95_ms": None, "note": "benchmarks.admin_pages.measure_admin_pages is missing"}
    await fresh_pg_database(url)
    rows = await seed_tickets(url, tickets)
    rows["kb_articles"] = await seed_articles(url, articles)
    try:
        p95 = round(float(await measure(url, requests=requests)), 2)
    except Exception as exc:  # the pages' own benchmark failing must not hide the report figures
        return {"page_p95_ms": None, "page_rows": rows, "note": f"measure_admin_pages failed: {exc}"[:300]}
    return {"page_p95_ms": p95, "page_rows": rows, "note": None}


async def _seeded(url: str, n: int) -> bool:
    """Whether `url` already holds exactly `n` seeded tickets (a previous run's data, reusable)."""
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url))
    except (OSError, asyncpg.PostgresError):
        return False
    try:
        found = await conn.fetchval("SELECT count(*) FROM tickets WHERE id LIKE 'bt-%'")
        total = await conn.fetchval("SELECT count(*) FROM tickets")
    except asyncpg.PostgresError:
        return False
    finally:
        await conn.close()
    return bool(found == n and total == n)


async def _time_reports(url: str, runs: int) -> tuple[dict[str, float], Any]:
    engine = make_engine(url)
    source = SqlReportSource(engine)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    timings: dict[str, float] = {}
    try:
        await source.report(ReportFilter(now - PERIODS["month"], now), GroupBy.NONE)  # warm the cache once
        for name, span in PERIODS.items():
            flt = ReportFilter(now - span, now)
            for group_by in GroupBy:
                times = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    await source.report(flt, group_by)
                    times.append(time.perf_counter() - t0)
                timings[f"{name}/{group_by}"] = round(statistics.median(times), 3)
        total = (await source.report(ReportFilter(now - PERIODS["year"], now), GroupBy.NONE)).total
    finally:
        await engine.dispose()
    return timings, total


async def _run(
    url: str, n: int, runs: int, page_requests: int, page_tickets: int, articles: int, reuse: bool
) -> dict[str, Any]:
    notes = []
    seed_s: float | None = None
    counts: dict[str, int] | None = None
    if reuse and await _seeded(url, n):
        await upgrade(url)
        notes.append(f"reused the {n} tickets already seeded in {make_url(url).database}")
    else:
        await fresh_pg_database(url)
        started = time.perf_counter()
        counts = await seed_tickets(url, n)
        seed_s = round(time.perf_counter() - started, 1)
    timings, total = await _time_reports(url, runs)
    pages = await _page_p95(pages_url(url), page_tickets, articles, page_requests)
    slowest = max(timings, key=lambda k: timings[k])
    notes.insert(0, f"slowest report: {slowest}")
    notes.append(f"page_p95_ms on a separate database with {page_tickets} tickets and {articles} articles")
    if pages["note"]:
        notes.append(pages["note"])
    return {
        "tickets": n,
        "report_s": timings[slowest],
        "page_p95_ms": pages["page_p95_ms"],
        "seed_s": seed_s,
        "rows": counts,
        "page_rows": pages.get("page_rows"),
        "reports_s": timings,
        "year_total": {
            "opened": total.tickets_opened,
            "resolved": total.tickets_resolved,
            "backlog": total.backlog,
            "lost_requests": total.lost_requests,
        },
        "notes": "; ".join(notes),
    }


@bench.command("reports")
@click.option(
    "--tickets", "n", default=1_000_000, show_default=True, help="Tickets to seed over the past year."
)
@click.option("--runs", default=3, show_default=True, help="Runs of each report (median reported).")
@click.option("--page-requests", default=200, show_default=True, help="Admin page requests for page_p95_ms.")
@click.option(
    "--page-tickets", default=PAGE_TICKETS, show_default=True, help="Tickets in the admin pages' database."
)
@click.option(
    "--articles", default=PAGE_ARTICLES, show_default=True, help="KB articles in the admin pages' database."
)
@click.option(
    "--db-url",
    default=None,
    help="PostgreSQL URL of a scratch database (dropped and re-created; the pages use <name>_pages).",
)
@click.option("--reuse", is_flag=True, help="Keep the database if it already holds exactly N seeded tickets.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def reports(
    n: int,
    runs: int,
    page_requests: int,
    page_tickets: int,
    articles: int,
    db_url: str | None,
    reuse: bool,
    as_json: bool,
) -> None:
    """Time the reports (total and every grouping, a month and a year) over N seeded tickets."""
    if n < 1 or runs < 1 or page_tickets < 1:
        raise click.BadParameter("--tickets, --runs and --page-tickets must be at least 1")
    url = bench_pg_url(db_url)
    result = asyncio.run(_run(url, n, runs, page_requests, page_tickets, articles, reuse))
    click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))
