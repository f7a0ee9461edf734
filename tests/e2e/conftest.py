"""Fixtures for the end-to-end suites: a migrated database with the demo data, built once per session."""

from __future__ import annotations

import asyncio
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpdesk.demo.seed import seed_demo
from helpdesk.settings import Settings
from storage.migrate import upgrade


async def _build(path: Path) -> None:
    # _env_file: pydantic-settings reads it at run time; mypy sees only the declared fields.
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{path}", kb_embedder="none")  # type: ignore[call-arg]
    await upgrade(settings.database_url)
    await seed_demo(settings)


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at `alembic upgrade head` with the demo directory and KB; copy it, never open it."""
    path = tmp_path_factory.mktemp("demo-db") / "demo.db"
    # Its own thread and loop: the test's event loop must not be replaced or closed by asyncio.run.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _build(path)).result()
    return path


@pytest.fixture
def demo_db(demo_db_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo database for one test."""
    target = tmp_path / "e2e.db"
    for suffix in ("", "-wal", "-shm"):
        source = demo_db_template.with_name(demo_db_template.name + suffix)
        if source.exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))
    return target
