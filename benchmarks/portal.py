"""`helpdesk bench portal`: p95 answer time of the client portal's pages with 100,000 tickets on PostgreSQL.

A scratch database of this run's own is made, migrated and seeded (`benchmarks.seed.seed_tickets`); then half
of all tickets are given to one client, `bc-0`, so its manager's lists range over 50,000 tickets, and the
descriptions get words to search. Two contacts of `bc-0` sign in through the real sign-in link flow (a link
stored as the app stores it, spent by the page's POST): the client's manager (every site) and a colleague at
one site (that site's tickets and their own). Each GETs the portal's pages round-robin through the real app
(lists with each filter, a search that matches many and one that matches none, an old page, a ticket with
its history, the new-request form). The goal of issue #21 is p95 <= 100 ms. `cpu_ms_per_request` is this
process's CPU per timed request (the app and its HTTP client together; PostgreSQL's is not in it): a figure
that does not grow with the machine's load the way answer times do.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from benchmarks.admin_pages import PageTimings
from helpdesk.cli.bench import bench

CLIENT = "bc-0"
MANAGER = "bp-manager"
AT_SITE = "bp-site"
SITE = "bs-0"

_SHAPE = f"""
SET session_replication_role = replica;  -- the report triggers: the portal reads no rollups
UPDATE tickets SET client_id = '{CLIENT}' WHERE number % 2 = 0;
UPDATE tickets SET description = (ARRAY['Printer jams on every page', 'Air conditioner leaks in the hall',
  'No network in the office', 'Boiler pressure is low', 'Camera offline at the gate'])[1 + number % 5]
  || ', request ' || number;
INSERT INTO contacts (id, client_id, name, lang, manager, site_id) VALUES
  ('{MANAGER}', '{CLIENT}', 'Portal manager', 'en', true, NULL),
  ('{AT_SITE}', '{CLIENT}', 'Portal colleague', 'ru', false, '{SITE}')
ON CONFLICT DO NOTHING;
SET session_replication_role = DEFAULT;
"""


def pages(newest: int) -> list[str]:
    """The portal pages timed for each contact."""
    return [
        "/portal/",
        "/portal/?status=all",
        "/portal/?status=done",
        f"/portal/?status=all&site={SITE}",
        "/portal/?status=all&q=printer",
        "/portal/?status=all&q=pump",
        f"/portal/?status=all&q=HD-{newest - 10}",
        f"/portal/?status=all&before={newest // 2}",
        f"/portal/t/{newest}",
        "/portal/new",
    ]


async def _prepare(url: str, tickets: int) -> int:
    """Seed the scratch database; return the newest ticket number of the client."""
    import asyncpg

    from benchmarks.seed import asyncpg_dsn, seed_tickets

    await seed_tickets(url, tickets)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(_SHAPE)
        await conn.execute("VACUUM ANALYZE tickets")
        newest = await conn.fetchval(
            "SELECT max(number) FROM tickets WHERE client_id = $1 AND site_id = $2", CLIENT, SITE
        )
    finally:
        await conn.close()
    return int(newest)


async def _newest(url: str) -> int:
    """The newest ticket of the measured client's site in a database this benchmark seeded before."""
    import asyncpg

    from benchmarks.seed import asyncpg_dsn

    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        newest = await conn.fetchval(
            "SELECT max(number) FROM tickets WHERE client_id = $1 AND site_id = $2", CLIENT, SITE
        )
    finally:
        await conn.close()
    if newest is None:
        raise RuntimeError("that database was not seeded by bench portal: run it without --seeded")
    return int(newest)


async def _signed_in_client(rt: Any, app: Any, contact_id: str) -> Any:
    """A test client of the app signed in as `contact_id` through a sign-in link's page."""
    from aiohttp.test_utils import TestClient, TestServer

    from helpdesk.admin.sessions import hash_token, new_token

    secret = new_token()
    now = datetime.now(UTC)
    async with rt.uows() as uow:
        await uow.portal.add_link(hash_token(secret), contact_id, now, now + timedelta(minutes=15))
        await uow.commit()
    client = TestClient(TestServer(app))
    await client.start_server()
    page = await (await client.get(f"/portal/in/{secret}")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("the sign-in link page has no form")
    signed = await client.post(
        "/portal/in", data={"csrf": token.group(1), "secret": secret}, allow_redirects=False
    )
    if signed.status != 303:
        raise RuntimeError(f"{contact_id} could not sign in: {signed.status}")
    return client


async def time_portal(url: str, *, tickets: int, requests: int, seeded: bool = False) -> dict[str, Any]:
    """Seed (unless `seeded`), sign in both contacts, time `requests` GETs each over the pages; the summary
    per contact."""
    from helpdesk.runtime import build_runtime
    from helpdesk.settings import Settings
    from helpdesk.web import build_web_app

    seed_started = time.perf_counter()
    newest = await (_newest(url) if seeded else _prepare(url, tickets))
    seed_s = time.perf_counter() - seed_started
    settings = Settings(_env_file=None, database_url=url, kb_embedder="none")  # type: ignore[call-arg]
    rt = await build_runtime(settings, load_kb=False, load_nlu=False)
    result: dict[str, Any] = {"tickets": tickets, "client_tickets": 0, "seed_s": round(seed_s, 1)}
    try:
        async with rt.uows() as uow:
            from sqlalchemy import func, select

            from storage.tables import tickets as tickets_table

            result["client_tickets"] = int(
                (
                    await uow.session.execute(
                        select(func.count())
                        .select_from(tickets_table)
                        .where(tickets_table.c.client_id == CLIENT)
                    )
                ).scalar_one()
            )
        all_times = PageTimings()
        for who in (MANAGER, AT_SITE):
            app = build_web_app(rt)
            client = await _signed_in_client(rt, app, who)
            try:
                timings = PageTimings()
                paths = pages(newest)
                for path in paths:  # one untimed round
                    await _get(client, path)
                cpu_started = time.process_time()
                for i in range(requests):
                    path = paths[i % len(paths)]
                    elapsed = await _get(client, path)
                    timings.by_page.setdefault(path, []).append(elapsed)
                    all_times.by_page.setdefault(f"{who} {path}", []).append(elapsed)
                cpu_ms = (time.process_time() - cpu_started) * 1000 / requests
                result[who] = {**timings.summary(), "cpu_ms_per_request": round(cpu_ms, 2)}
            finally:
                await client.close()
        overall = all_times.summary()
        result["requests"] = overall["requests"]
        result["p95_ms"] = overall["p95_ms"]
        result["median_ms"] = overall["median_ms"]
    finally:
        await rt.close()
    return result


async def _get(client: Any, path: str) -> float:
    started = time.perf_counter()
    async with client.get(path, allow_redirects=False) as response:
        await response.read()
        status = response.status
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    return elapsed


@bench.command("portal")
@click.option("--url", default=None, help="PostgreSQL server (a scratch database of this run's own is made)")
@click.option("--tickets", default=100_000, show_default=True)
@click.option("--requests", default=200, show_default=True, help="Timed page requests per contact.")
@click.option("--keep", is_flag=True, help="Keep the scratch database afterwards (its URL is printed).")
@click.option(
    "--seeded", default=None, help="Time a database a --keep run left instead of seeding a new one."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_portal(
    url: str | None, tickets: int, requests: int, keep: bool, seeded: str | None, as_json: bool
) -> None:
    """Time the client portal's pages for a manager and a site's contact; the goal is p95 <= 100 ms."""
    from benchmarks.db import bench_pg_url, drop_pg_database, fresh_pg_database, own_database

    async def run() -> dict[str, Any]:
        if seeded:
            return await time_portal(seeded, tickets=tickets, requests=requests, seeded=True)
        scratch = await fresh_pg_database(own_database(bench_pg_url(url)))
        try:
            result = await time_portal(scratch, tickets=tickets, requests=requests)
            if keep:
                result["database"] = scratch
            return result
        finally:
            if not keep:
                await drop_pg_database(scratch)

    result = asyncio.run(run())
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"portal pages: p95 {result['p95_ms']} ms over {result['requests']} requests")
    for who in (MANAGER, AT_SITE):
        click.echo(f"{who}: p95 {result[who]['p95_ms']} ms")
        for path, ms in result[who]["pages"].items():
            click.echo(f"  {ms:8.2f} ms  {path}")
