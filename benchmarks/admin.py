"""`helpdesk bench admin`: p95 answer time of the web admin pages on a seeded PostgreSQL database."""

from __future__ import annotations

import asyncio
import json

import click

from helpdesk.cli.bench import bench


@bench.command("admin")
@click.option("--url", required=True, help="postgresql+asyncpg://... (migrated; seeded unless --seed)")
@click.option("--seed", "seed", is_flag=True, help="First add --tickets tickets and --articles articles.")
@click.option("--tickets", default=10_000, show_default=True)
@click.option("--articles", default=5_000, show_default=True)
@click.option("--requests", default=300, show_default=True, help="Timed page requests.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_admin(url: str, seed: bool, tickets: int, articles: int, requests: int, as_json: bool) -> None:
    """Sign in as an admin and time every main admin page; the goal is p95 <= 100 ms."""
    from benchmarks.admin_pages import time_admin_pages

    async def run() -> dict[str, object]:
        if seed:
            from benchmarks.seed import seed_articles, seed_tickets

            await seed_tickets(url, tickets)
            await seed_articles(url, articles)
        return (await time_admin_pages(url, requests=requests)).summary()

    result = asyncio.run(run())
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"admin pages: p95 {result['p95_ms']} ms over {result['requests']} requests")
    for path, ms in result["pages"].items():  # type: ignore[attr-defined]
        click.echo(f"  {ms:8.2f} ms  {path}")
