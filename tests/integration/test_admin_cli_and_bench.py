"""`helpdesk admin set-password` against a migrated SQLite file, and the admin page benchmark on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.engine import make_url

from benchmarks.admin_pages import main_pages, time_admin_pages
from helpdesk.admin.passwords import verify_password
from helpdesk.cli import main
from helpdesk.settings import get_settings
from storage.admin_tables import admin_logins
from storage.db import make_engine
from storage.migrate import upgrade
from storage.tables import staff
from tests.integration.conftest import PG_ADMIN_URL, PG_DB, _in_thread


@pytest.fixture
def cli_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


async def _stored_hash(url: str, staff_id: str) -> str | None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return (
                await conn.execute(
                    select(admin_logins.c.password_hash).where(admin_logins.c.staff_id == staff_id)
                )
            ).scalar()
    finally:
        await engine.dispose()


async def _add_staff(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(staff.insert().values(id="a-boss", name="Boss", role="admin", skills=[]))
    finally:
        await engine.dispose()


def test_set_password_reads_stdin_and_stores_only_a_hash(cli_db: str) -> None:
    _in_thread(lambda: _add_staff(cli_db))
    runner = CliRunner()
    result = runner.invoke(main, ["admin", "set-password", "a-boss"], input="a-strong-password\n")
    assert result.exit_code == 0, result.output
    assert "password set for a-boss: Boss (admin)" in result.output
    stored = _in_thread(lambda: _stored_hash(cli_db, "a-boss"))
    assert stored is not None and "a-strong-password" not in stored
    assert verify_password("a-strong-password", stored)

    short = runner.invoke(main, ["admin", "set-password", "a-boss"], input="short\n")
    assert short.exit_code == 1 and "too short" in short.output
    assert _in_thread(lambda: _stored_hash(cli_db, "a-boss")) == stored  # unchanged
    nobody = runner.invoke(main, ["admin", "set-password", "nobody"], input="a-strong-password\n")
    assert nobody.exit_code == 1 and "No staff member 'nobody'" in nobody.output


@pytest.mark.postgres
@pytest.mark.slow
async def test_admin_page_benchmark_times_every_main_page() -> None:
    from benchmarks.seed import seed_articles, seed_tickets

    name = f"{PG_DB}_bench"
    dsn = make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(dsn, timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        await upgrade(url)
        await seed_tickets(url, 400)
        await seed_articles(url, 200)
        timings = await time_admin_pages(url, requests=2 * len(main_pages(1, "x")), warmup=1)
        summary = timings.summary()
        assert summary["requests"] == 2 * len(main_pages(1, "x"))
        assert len(timings.by_page) == len(main_pages(1, "x"))  # every page, each timed twice
        assert all(len(times) == 2 for times in timings.by_page.values())
        assert 0 < summary["p95_ms"] < 5000
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
