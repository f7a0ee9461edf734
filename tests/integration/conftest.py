"""Real PostgreSQL, SQLite and Redis for the storage contract tests.

PostgreSQL and Redis must be running (`make services` starts them); when they are not, the tests that need
them FAIL with a message saying so instead of being skipped. Override the servers with
HELPDESK_TEST_PG_ADMIN_URL (a database to connect to for CREATE DATABASE), HELPDESK_TEST_PG_DB and
HELPDESK_TEST_REDIS_URL.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from helpdesk.cli.kb_status import process_alive
from storage.db import make_engine, make_sessionmaker
from storage.inbox_tables import inbox
from storage.migrate import upgrade
from storage.tables import CORE_TABLES, TICKET_COUNTER, TICKET_COUNTER_SEED, counters
from storage.uow import UnitOfWorkFactory
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from ticket_core.enums import Priority, Role, TicketStatus
from ticket_core.model import Client, Contact, Site, StaffMember, Ticket

PG_ADMIN_URL = os.environ.get(
    "HELPDESK_TEST_PG_ADMIN_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
PG_DB = os.environ.get("HELPDESK_TEST_PG_DB") or f"helpdesk_test_{os.getpid()}"
"""This session's own database: two test runs on one server (a developer's and CI's, or two checkouts)
must not drop each other's database in the middle of a run."""
STALE_PG_DB = re.compile(r"^helpdesk_test_(\d+)(_.*)?$")
REDIS_URL = os.environ.get("HELPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

T = TypeVar("T")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _recreate_pg_database() -> str:
    try:
        admin = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN_URL), timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({error}). Start it with `make services` "
            "or point HELPDESK_TEST_PG_ADMIN_URL at a server.",
            pytrace=False,
        )
    try:
        # Databases left by earlier sessions whose process is gone (a run that was killed).
        for row in await admin.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'helpdesk_test_%'"):
            stale = STALE_PG_DB.match(row["datname"])
            if stale and not process_alive(int(stale.group(1))):
                await admin.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
        await admin.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{PG_DB}"')
    finally:
        await admin.close()
    url = make_url(PG_ADMIN_URL).set(database=PG_DB).render_as_string(hide_password=False)
    await upgrade(url)
    return url


def _in_thread(coro_fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
    # Session fixtures may be set up while a test's event loop is running; a thread has none.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro_fn()).result()


async def _drop_pg_database(name: str) -> None:
    admin = await asyncpg.connect(_asyncpg_dsn(PG_ADMIN_URL), timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
def scratch_pg_urls() -> Iterator[Callable[[str], str]]:
    """`url(suffix)`: a URL of `PG_DB` + suffix for a command that makes its own database (the benches);
    every database named so is dropped after the test, so a test run leaves none behind."""
    names: list[str] = []

    def url(suffix: str) -> str:
        names.append(f"{PG_DB}{suffix}")
        return make_url(PG_ADMIN_URL).set(database=names[-1]).render_as_string(hide_password=False)

    yield url
    for name in names:
        _in_thread(partial(_drop_pg_database, name))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh, migrated database of this session's own (`PG_DB`), dropped when the session ends."""
    yield _in_thread(_recreate_pg_database)
    _in_thread(lambda: _drop_pg_database(PG_DB))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "helpdesk.db"
    _in_thread(lambda: upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """URL of a migrated SQLite file private to the test (a copy of one `upgrade`d per session)."""
    path = tmp_path / "helpdesk.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated database URL, once for SQLite and once for PostgreSQL."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on `db_url`."""
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


@asynccontextmanager
async def sql_units(engine: AsyncEngine) -> AsyncIterator[UnitOfWorkFactory]:
    """Units of work on SQLite (a private file) or PostgreSQL (one transaction, rolled back afterwards)."""
    if engine.dialect.name == "sqlite":
        yield UnitOfWorkFactory(make_sessionmaker(engine))
        return
    # A sequence is not rolled back: the tickets an earlier test opened in its rolled-back transaction still
    # took their numbers. Restart it (outside the test's transaction, so no lock on it is held through the
    # test) so that every test's first ticket is HD-1001, whichever tests ran before it.
    async with engine.begin() as conn:
        await conn.execute(text("ALTER SEQUENCE ticket_numbers RESTART"))
    async with engine.connect() as conn:
        outer = await conn.begin()
        # Every unit's commit becomes a savepoint release inside this transaction, undone at the end.
        sessions = async_sessionmaker(
            bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield UnitOfWorkFactory(sessions)
        finally:
            await outer.rollback()


@pytest.fixture
async def uow_factory(engine: AsyncEngine) -> AsyncIterator[UnitOfWorkFactory]:
    """Units of work on SQLite (a private file) or PostgreSQL (one transaction, rolled back afterwards)."""
    async with sql_units(engine) as factory:
        yield factory


@pytest.fixture(params=["memory", *BACKENDS])
async def port_uows(request: pytest.FixtureRequest) -> AsyncIterator[UnitOfWorkFactory]:
    """Units of work of every implementation of the ports (ticket_core's, dialogue's, the SLA store's): memory
    (the unit tests'), SQLite, PostgreSQL.

    A contract module runs its tests on all three by overriding `uow_factory` with this fixture, or by asking
    for it in the tests that are not about SQL specifics.
    """
    if request.param == "memory":
        yield MemoryUnitOfWorkFactory()  # type: ignore[misc]  # the same ports, not the same class
        return
    engine = make_engine(
        str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    )
    try:
        async with sql_units(engine) as factory:
            yield factory
    finally:
        await engine.dispose()


async def truncate_core(engine: AsyncEngine) -> None:
    """Empty every core table and re-seed the ticket counter."""
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in (*CORE_TABLES, inbox))
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            await conn.execute(text("ALTER SEQUENCE ticket_numbers RESTART"))  # HD-1001 first again
        else:
            for table in (inbox, *reversed(CORE_TABLES)):
                await conn.execute(table.delete())
        await conn.execute(counters.insert().values(name=TICKET_COUNTER, value=TICKET_COUNTER_SEED))


@pytest.fixture
async def pg_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on this session's PostgreSQL database, its core tables and inbox emptied before and after
    (for tests that run processes' loops or listeners against it)."""
    engine = make_engine(pg_url)
    await truncate_core(engine)
    yield engine
    await truncate_core(engine)
    await engine.dispose()


@pytest.fixture
async def live_uow_factory(engine: AsyncEngine) -> AsyncIterator[UnitOfWorkFactory]:
    """Units of work that really commit, for races between concurrent transactions; emptied afterwards."""
    if engine.dialect.name == "sqlite":
        yield UnitOfWorkFactory(make_sessionmaker(engine))
        return
    await truncate_core(engine)
    try:
        yield UnitOfWorkFactory(make_sessionmaker(engine))
    finally:
        await truncate_core(engine)


async def connect_redis() -> Redis:
    """A Redis client on the test server; fails the test with a clear message when Redis is down."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as error:
        await client.aclose()
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({error}). Start it with `make services` "
            "or point HELPDESK_TEST_REDIS_URL at a server.",
            pytrace=False,
        )
    return client


async def drop_prefix(client: Redis, prefix: str) -> None:
    """Delete every key under `prefix`."""
    keys = [key async for key in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)


@pytest.fixture
async def redis_client() -> AsyncIterator[Redis]:
    """A Redis client; the test must use keys under `redis_prefix`, which are deleted afterwards."""
    client = await connect_redis()
    yield client
    await client.aclose()


@pytest.fixture
async def redis_prefix(redis_client: Redis) -> AsyncIterator[str]:
    """A key prefix private to this test."""
    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    await drop_prefix(redis_client, prefix)


@dataclass
class Seed:
    """Builds the reference rows most tests need."""

    now: datetime = NOW

    @staticmethod
    def client(client_id: str = "acme") -> Client:
        """A company client."""
        return Client(client_id, client_id.upper(), "company", NOW)

    @staticmethod
    def contact(
        contact_id: str = "c-anna", client_id: str = "acme", phone: str | None = "+70000000001"
    ) -> Contact:
        """A contact of a client."""
        return Contact(contact_id, client_id, "Anna", phone, "ru", NOW)

    @staticmethod
    def site(site_id: str = "hq", client_id: str = "acme") -> Site:
        """A site of a client."""
        return Site(site_id, client_id, "HQ", "Tverskaya 1, Moscow", 55.757, 37.613)

    @staticmethod
    def engineer(staff_id: str, **fields: object) -> StaffMember:
        """An engineer."""
        return StaffMember(staff_id, staff_id.title(), Role.ENGINEER, **fields)  # type: ignore[arg-type]

    @staticmethod
    def ticket(
        number: int, ticket_id: str | None = None, client_id: str = "acme", **fields: object
    ) -> Ticket:
        """A new ticket of `client_id`; `fields` override any attribute."""
        values: dict[str, object] = {
            "id": ticket_id or f"t-{number}",
            "number": number,
            "client_id": client_id,
            "contact_id": "c-anna",
            "category": "it",
            "priority": Priority.P3,
            "description": "Printer does not print",
            "created_at": NOW + timedelta(minutes=number % 1000),
            "status": TicketStatus.NEW,
        }
        values.update(fields)
        return Ticket(**values)  # type: ignore[arg-type]


@pytest.fixture
def seed() -> Seed:
    """Builders for clients, contacts, sites, staff and tickets."""
    return Seed()


@pytest.fixture
async def acme(uow_factory: UnitOfWorkFactory, seed: Seed) -> UnitOfWorkFactory:
    """`uow_factory` with client "acme", contact "c-anna" and site "hq" committed."""
    async with uow_factory() as uow:
        await uow.directory.add_client(seed.client())
        await uow.directory.add_contact(seed.contact())
        await uow.directory.add_site(seed.site())
        await uow.commit()
    return uow_factory


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests that ask for Redis so `-m "not redis"` can leave them out deliberately."""
    for item in items:
        if "redis_client" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)
