"""Migrations: `upgrade` builds exactly the schema of `metadata`, and `downgrade` removes it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

import storage.schema
from storage.db import make_engine, metadata
from storage.migrate import current, downgrade, upgrade
from storage.tables import TICKET_COUNTER, counters
from tests.integration.conftest import PG_ADMIN_URL


def test_the_schema_module_lists_every_table_module() -> None:
    """A `storage/*tables.py` left out of storage.schema would be invisible to autogenerate and to the
    comparisons below (a lint autofix once dropped the table imports of the migrations' env.py)."""
    import importlib
    from pathlib import Path

    folder = Path(storage.schema.__file__).parent
    defined = {p.stem for p in folder.glob("*tables.py")}
    listed = {m.__name__.removeprefix("storage.") for m in storage.schema.TABLE_MODULES}
    assert listed == defined
    owners = {
        t.name
        for name in defined
        for t in vars(importlib.import_module(f"storage.{name}")).values()
        if hasattr(t, "c") and hasattr(t, "name") and getattr(t, "metadata", None) is metadata
    }
    assert owners <= set(storage.schema.metadata.tables)


async def _diff(engine: AsyncEngine, target: MetaData) -> list[Any]:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), target
            )
        )


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _check_round_trip(url: str) -> None:
    await upgrade(url)
    assert await current(url) is not None
    engine = make_engine(url)
    try:
        assert await _diff(engine, metadata) == []
        # control: the comparison does notice a table the database lacks
        extra = MetaData()
        for table in metadata.tables.values():
            table.to_metadata(extra)
        Table("not_migrated", extra, Column("id", Integer, primary_key=True))
        assert [d[0] for d in await _diff(engine, extra)] == ["add_table"]
        async with engine.connect() as conn:
            seeded = (
                await conn.execute(select(counters.c.value).where(counters.c.name == TICKET_COUNTER))
            ).scalar()
        assert seeded == 1000
        assert set(metadata.tables) <= await _tables(engine)
    finally:
        await engine.dispose()

    await downgrade(url, "base")
    assert await current(url) is None
    engine = make_engine(url)
    try:
        assert await _tables(engine) <= {"alembic_version"}
    finally:
        await engine.dispose()

    await upgrade(url)  # and back up again from base
    assert await current(url) is not None


async def test_sqlite_upgrade_matches_metadata_and_downgrades(tmp_path: Path) -> None:
    # a folder that does not exist yet, like ./var on a fresh checkout
    await _check_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'var' / 'nested' / 'helpdesk.db'}")


@pytest.mark.postgres
async def test_postgres_upgrade_matches_metadata_and_downgrades() -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    name = "helpdesk_test_migrations"
    admin_dsn = make_url(PG_ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = await asyncpg.connect(admin_dsn, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({error}); run `make services`.", pytrace=False
        )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        await _check_round_trip(
            make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def test_alembic_ini_points_at_the_migrations() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    root = Path(__file__).resolve().parents[2]
    script = ScriptDirectory.from_config(Config(str(root / "alembic.ini")))
    assert "0001" in {rev.revision for rev in script.walk_revisions()}
    assert script.get_revision("0001").down_revision is None  # type: ignore[union-attr]


def test_upgrade_runs_inside_a_running_event_loop(tmp_path: Path) -> None:
    """`helpdesk migrate` calls upgrade from async code; env.py must not clash with the caller's loop."""
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config

    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"

    async def main() -> str | None:
        await upgrade(url)
        return await current(url)

    assert asyncio.run(main()) == ScriptDirectory.from_config(alembic_config(url)).get_current_head()
