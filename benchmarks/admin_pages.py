"""Measure the admin pages: p95 answer time over the main pages of a seeded PostgreSQL database.

`measure_admin_pages(url)` starts the real app (build_runtime + build_web_app) on a local port, signs in as
an admin, and GETs every main page round-robin (lists with filters, a ticket, an article, its history, the
directory, SLA and reports). The database should already hold the benchmark data
(`benchmarks.seed.seed_tickets` / `seed_articles`; `helpdesk bench admin --seed` does it).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # bench code runs against a built runtime
    from helpdesk.runtime import Runtime

BENCH_ADMIN = "bench-admin"
BENCH_PASSWORD = "bench-admin-password"
BENCH_ARTICLE = "bench-admin-article"


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class PageTimings:
    """Milliseconds per page path, and the overall p95."""

    by_page: dict[str, list[float]] = field(default_factory=dict)

    @property
    def all(self) -> list[float]:
        """Every timing."""
        return [t for times in self.by_page.values() for t in times]

    def summary(self) -> dict[str, Any]:
        """p95 overall and per page, median overall, request count."""
        return {
            "requests": len(self.all),
            "p95_ms": round(p95(self.all), 2),
            "median_ms": round(statistics.median(self.all), 2),
            "pages": {path: round(p95(times), 2) for path, times in self.by_page.items()},
        }


async def _prepare(rt: Runtime) -> tuple[int, str]:
    """A bench admin with a password, an article with a few versions; return a ticket number and client id."""
    from sqlalchemy import func, select

    from helpdesk.admin.usecases import set_password
    from kb_search.model import Article, ArticleStatus
    from storage.tables import tickets
    from ticket_core.enums import Role
    from ticket_core.model import Actor, StaffMember

    now = datetime.now(UTC)
    async with rt.uows() as uow:
        if await uow.directory.get_staff(BENCH_ADMIN) is None:
            await uow.directory.add_staff(StaffMember(BENCH_ADMIN, "Bench admin", Role.ADMIN))
        await set_password(uow, Actor.system(), BENCH_ADMIN, BENCH_PASSWORD, now)
        if await uow.articles.get(BENCH_ARTICLE) is None:
            for n in range(3):
                body = "\n".join(f"Step {i}: check part {i * (n + 1)} of the printer." for i in range(40))
                article = Article(BENCH_ARTICLE, f"Bench article, take {n}", body, status=ArticleStatus.DRAFT)
                await uow.articles.upsert(article, BENCH_ADMIN)
        row = (
            await uow.session.execute(
                select(tickets.c.number, tickets.c.client_id).where(
                    tickets.c.number == select(func.max(tickets.c.number)).scalar_subquery()
                )
            )
        ).first()
        await uow.commit()
    if row is None:
        raise RuntimeError("the database has no tickets: seed it first (helpdesk bench admin --seed)")
    return int(row[0]), str(row[1])


def main_pages(ticket: int, client_id: str) -> list[str]:
    """The pages measured: every list with its common filters, one of each detail page."""
    return [
        "/admin/",
        "/admin/tickets",
        "/admin/tickets?status=new&status=offered",
        "/admin/tickets?sla=breached",
        "/admin/tickets?sla=at_risk",
        f"/admin/tickets?client={client_id}",
        "/admin/tickets?site=bs-7",
        "/admin/tickets?engineer=be-3",
        f"/admin/tickets?before={max(1, ticket - 5000)}",
        f"/admin/tickets/{ticket}",
        "/admin/kb",
        "/admin/kb?lang=en&status=published",
        "/admin/kb?q=problem%2042",
        "/admin/kb?page=40",
        f"/admin/kb/{BENCH_ARTICLE}",
        f"/admin/kb/{BENCH_ARTICLE}/history",
        "/admin/kb/ba-100",
        "/admin/engineers",
        "/admin/clients",
        f"/admin/clients/{client_id}",
        "/admin/sla",
        "/admin/reports",
    ]


async def _timed(get: Callable[[str], Awaitable[int]], path: str) -> float:
    start = time.perf_counter()
    status = await get(path)
    elapsed = (time.perf_counter() - start) * 1000
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    return elapsed


async def time_admin_pages(url: str, *, requests: int = 300, warmup: int = 1) -> PageTimings:
    """Time `requests` GETs over the main pages (after `warmup` untimed rounds)."""
    import re

    from aiohttp.test_utils import TestClient, TestServer

    from helpdesk.runtime import build_runtime
    from helpdesk.settings import Settings
    from helpdesk.web import build_web_app

    settings = Settings(_env_file=None, database_url=url, kb_embedder="none")  # type: ignore[call-arg]
    rt = await build_runtime(settings, load_kb=False, load_nlu=False)
    try:
        ticket, client_id = await _prepare(rt)
        pages = main_pages(ticket, client_id)
        async with TestClient(TestServer(build_web_app(rt))) as client:
            form = await (await client.get("/admin/login")).text()
            token = re.search(r'name="csrf" value="([^"]+)"', form)
            assert token is not None
            login = await client.post(
                "/admin/login",
                data={"login": BENCH_ADMIN, "password": BENCH_PASSWORD, "csrf": token.group(1)},
                allow_redirects=False,
            )
            if login.status != 303:
                raise RuntimeError(f"the bench admin could not sign in: {login.status}")

            async def get(path: str) -> int:
                async with client.get(path, allow_redirects=False) as response:
                    await response.read()
                    return response.status

            for _ in range(warmup):
                for path in pages:
                    await _timed(get, path)
            timings = PageTimings()
            for i in range(requests):
                path = pages[i % len(pages)]
                timings.by_page.setdefault(path, []).append(await _timed(get, path))
            return timings
    finally:
        await rt.close()


async def measure_admin_pages(url: str, *, requests: int = 300) -> float:
    """Sign in as an admin and GET the main admin pages `requests` times; return the p95 in milliseconds."""
    return p95((await time_admin_pages(url, requests=requests)).all)
