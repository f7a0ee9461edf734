"""SQLite write transactions queue (BEGIN IMMEDIATE) instead of failing with "database is locked"."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import make_engine, make_sessionmaker
from storage.sqlite_tx import install_begin_immediate
from storage.tables import TICKET_COUNTER, counters
from storage.uow import UnitOfWorkFactory


async def _read_then_write(session: AsyncSession) -> None:
    # Read first, write later: the pattern that fails under deferred transactions in WAL mode.
    value = (
        await session.execute(select(counters.c.value).where(counters.c.name == TICKET_COUNTER))
    ).scalar_one()
    await asyncio.sleep(0.02)
    await session.execute(update(counters).where(counters.c.name == TICKET_COUNTER).values(value=value + 1))


async def _run_concurrently(sessions: async_sessionmaker[AsyncSession], n: int) -> list[BaseException | None]:
    async def one() -> None:
        async with sessions() as session, session.begin():
            await _read_then_write(session)

    return await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)


async def _counter(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(
            (
                await session.execute(select(counters.c.value).where(counters.c.name == TICKET_COUNTER))
            ).scalar_one()
        )


async def test_concurrent_read_then_write_units_all_succeed(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        factory = UnitOfWorkFactory(make_sessionmaker(engine))

        async def unit() -> None:
            async with factory() as uow:
                await _read_then_write(uow.session)
                await uow.commit()

        await asyncio.gather(*(unit() for _ in range(10)))
        assert await _counter(factory.sessionmaker) == 1010  # no failure and no lost update
    finally:
        await engine.dispose()


async def test_without_the_recipe_the_same_load_goes_wrong(sqlite_url: str) -> None:
    """Control: proves the test above exercises the problem the recipe solves.

    The driver's own deferred BEGIN starts the transaction only at the first write, so the read is not
    isolated: concurrent read-then-write units either fail with "database is locked" or lose updates.
    """
    engine = make_engine(sqlite_url)
    try:
        sessions = make_sessionmaker(engine)
        results = await _run_concurrently(sessions, 10)
        errors = [r for r in results if r is not None]
        assert all(isinstance(e, OperationalError) and "locked" in str(e) for e in errors)
        committed = len(results) - len(errors)
        assert errors or await _counter(sessions) < 1000 + committed, "the control load went right by chance"
    finally:
        await engine.dispose()


async def test_recipe_installs_once_and_leaves_postgres_alone(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    pg = make_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        assert install_begin_immediate(engine) is True
        assert install_begin_immediate(engine) is True
        assert install_begin_immediate(pg) is False
        results = await _run_concurrently(make_sessionmaker(engine), 5)
        assert results == [None] * 5
    finally:
        await engine.dispose()
        await pg.dispose()


@pytest.mark.parametrize("n", [20])
async def test_many_writers_queue_on_the_busy_timeout(sqlite_url: str, n: int) -> None:
    engine = make_engine(sqlite_url)
    try:
        factory = UnitOfWorkFactory(make_sessionmaker(engine))
        results = await _run_concurrently(factory.sessionmaker, n)
        assert results == [None] * n
        assert await _counter(factory.sessionmaker) == 1000 + n
    finally:
        await engine.dispose()
