"""`helpdesk bench reports` seeds, times every report and prints the figures it promises (small size)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from click.testing import CliRunner

from benchmarks.reports import pages_url
from benchmarks.seed import asyncpg_dsn
from helpdesk.cli import main
from ticket_core.reports import GroupBy


def _bench(url: str, *extra: str) -> Any:
    args = ["bench", "reports", "--tickets", "2000", "--runs", "1", "--db-url", url, *extra]
    result = CliRunner().invoke(main, [*args, "--page-tickets", "300", "--articles", "120", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


async def _tickets(url: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM tickets"))
    finally:
        await conn.close()


@pytest.mark.postgres
def test_bench_reports_times_every_report_and_the_pages_on_their_own_database(
    scratch_pg_urls: Callable[[str], str],
) -> None:
    url = scratch_pg_urls("_bench_reports")
    assert pages_url(url) == scratch_pg_urls("_bench_reports_pages")  # dropped after the test too
    data = _bench(url)
    assert data["tickets"] == 2000 and data["rows"]["tickets"] == 2000
    assert {k.split("/")[1] for k in data["reports_s"]} == {str(g) for g in GroupBy}
    assert {k.split("/")[0] for k in data["reports_s"]} == {"month", "year"}
    assert data["report_s"] == max(data["reports_s"].values()) > 0
    # a year of seeded tickets: nearly all opened in the last 365 days, most resolved, a few still open
    year = data["year_total"]
    assert 1990 <= year["opened"] <= 2000 and 1500 < year["resolved"] < 2000 and 0 < year["backlog"] < 300
    assert 0 < year["lost_requests"] < 2000 * 1.2 * 0.1  # ~3 % of client messages
    # the pages are measured on a separate database of the requested size, not on the report database
    assert data["page_rows"]["tickets"] == 300
    assert data["page_rows"]["kb_articles"] == 120  # the admin pages benchmark opens ba-100
    assert asyncio.run(_tickets(pages_url(url))) == 300 and asyncio.run(_tickets(url)) == 2000
    assert data["page_p95_ms"] is not None and data["page_p95_ms"] > 0, data["notes"]
    assert data["seed_s"] > 0 and "slowest report" in data["notes"]
    # --reuse keeps a database that already holds the same seeded tickets
    again = _bench(url, "--reuse")
    assert again["seed_s"] is None and again["rows"] is None and "reused" in again["notes"]
    assert again["year_total"] == data["year_total"]
