"""`storage.driver_sql.fetch`: a statement asyncpg sends itself behaves as SQLAlchemy's execution of it would,
in the unit's transaction, with the columns' bind processing and SQLAlchemy's exceptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, event, exc, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import driver_sql
from storage.db import make_engine, make_sessionmaker
from storage.repositories._sql import dialect_insert
from storage.tables import conversations, interactions
from storage.transient import is_transient

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
_COUNT = select(func.count()).select_from(conversations).where(conversations.c.key == bindparam("key"))
_SAVE = (
    dialect_insert("postgresql", conversations)
    .values(key=bindparam("key"), state=bindparam("state"), updated_at=bindparam("at"), version=1)
    .returning(conversations.c.version, conversations.c.state, conversations.c.updated_at)
)


async def _count(engine: AsyncEngine, key: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(_COUNT, {"key": key})).scalar_one())


@pytest.mark.postgres
async def test_the_first_statement_of_a_unit_begins_its_transaction(pg_engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(pg_engine)
    async with sessions() as session, session.begin():
        await driver_sql.fetch(session, _SAVE, {"key": "t:rolled", "state": {"a": 1}, "at": NOW})
        assert await _count(pg_engine, "t:rolled") == 0  # not committed: another connection sees nothing
        await session.rollback()
    assert await _count(pg_engine, "t:rolled") == 0
    async with sessions() as session, session.begin():
        rows = await driver_sql.fetch(session, _SAVE, {"key": "t:kept", "state": {"a": 1}, "at": NOW})
        # SQLAlchemy's next statement runs in the same transaction: it sees the row.
        assert (await session.execute(_COUNT, {"key": "t:kept"})).scalar_one() == 1
    assert await _count(pg_engine, "t:kept") == 1
    assert rows[0]["version"] == 1


@pytest.mark.postgres
async def test_values_go_through_the_column_types_both_ways(pg_engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(pg_engine)
    moscow = NOW.astimezone(UTC).replace(tzinfo=None)
    async with sessions() as session, session.begin():
        # JSON serialised by the column's type (a Python None is JSON null, as SQLAlchemy writes it), an
        # aware time in any zone stored as UTC.
        local = NOW.astimezone(datetime.now().astimezone().tzinfo) + timedelta(0)
        saved = await driver_sql.fetch(session, _SAVE, {"key": "t:types", "state": None, "at": local})
        assert saved[0]["state"] is None and saved[0]["updated_at"] == NOW
        read = (await session.execute(select(conversations).where(conversations.c.key == "t:types"))).one()
        assert read.updated_at == NOW and read.state is None
        raw = await session.execute(text("SELECT state::text FROM conversations WHERE key = 't:types'"))
        assert raw.scalar_one() == "null"
        with pytest.raises(ValueError, match="naive"):  # UtcDateTime refuses a naive time, as before
            await driver_sql.fetch(session, _SAVE, {"key": "t:naive", "state": {}, "at": moscow})
    added = interactions.insert()
    async with sessions() as session, session.begin():
        row = {"kind": "kb_answer", "at": NOW, "query": "принтер", "data": {"score": 0.5}}
        await driver_sql.fetch(session, added, row)
        got = (await session.execute(select(interactions).where(interactions.c.query == "принтер"))).one()
        assert got.data == {"score": 0.5} and got.at == NOW and got.contact_id is None


@pytest.mark.postgres
async def test_a_violation_is_sqlalchemys_integrity_error_and_the_unit_rolls_back(
    pg_engine: AsyncEngine,
) -> None:
    sessions = make_sessionmaker(pg_engine)
    params = {"key": "t:twice", "state": {}, "at": NOW}
    async with sessions() as session, session.begin():
        await driver_sql.fetch(session, _SAVE, params)
    async with sessions() as session:
        async with session.begin():
            with pytest.raises(exc.IntegrityError) as caught:
                await driver_sql.fetch(session, _SAVE, params)
            assert not is_transient(caught.value)
            await session.rollback()
        async with session.begin():  # the same session goes on, on a healthy connection
            assert (await session.execute(_COUNT, {"key": "t:twice"})).scalar_one() == 1


@pytest.mark.postgres
async def test_a_dropped_connection_is_transient_and_replaced(pg_engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(pg_engine)
    async with sessions() as session:
        async with session.begin():
            pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            async with pg_engine.connect() as other:
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(exc.DBAPIError) as caught:
                await driver_sql.fetch(session, _SAVE, {"key": "t:lost", "state": {}, "at": NOW})
            assert caught.value.connection_invalidated and is_transient(caught.value)
            await session.rollback()  # as a unit does when its work raised
    async with sessions() as session, session.begin():  # the pool gives a live connection next
        rows = await driver_sql.fetch(session, _SAVE, {"key": "t:after", "state": {}, "at": NOW})
        assert rows[0]["version"] == 1


@pytest.mark.postgres
async def test_outside_a_transaction_a_statement_commits_by_itself(pg_engine: AsyncEngine) -> None:
    async with pg_engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await driver_sql.fetch(conn, _SAVE, {"key": "t:auto", "state": {}, "at": NOW})
        assert await _count(pg_engine, "t:auto") == 1


async def test_sqlite_runs_it_through_sqlalchemy(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            stmt = dialect_insert("sqlite", conversations).values(
                key=bindparam("key"), state=bindparam("state"), updated_at=bindparam("at"), version=1
            )
            await driver_sql.fetch(session, stmt, {"key": "t:lite", "state": {"a": 1}, "at": NOW})
            rows = await driver_sql.fetch(session, _COUNT, {"key": "t:lite"})
            assert list(rows[0].values()) == [1]
    finally:
        await engine.dispose()


def test_statements_it_cannot_run_alike_are_refused() -> None:
    from sqlalchemy.dialects.postgresql.asyncpg import dialect

    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("k", String, default="x"))
    pg = dialect()
    with pytest.raises(driver_sql.Unsupported):  # a Python-side default SQLAlchemy fills in at execution
        driver_sql.compile_for(table.insert(), pg, ["id"])
    with pytest.raises(driver_sql.Unsupported):  # an expanding IN list
        driver_sql.compile_for(
            select(table).where(table.c.k.in_(bindparam("ks", expanding=True))), pg, ["ks"]
        )
    fixed = driver_sql.compile_for(select(table.c.id).where(table.c.k == "fixed"), pg, [])
    assert fixed.args({}) == ["fixed"]  # a value written into the statement goes along
    needs = driver_sql.compile_for(select(table.c.id).where(table.c.k == bindparam("k")), pg, ["k"])
    with pytest.raises(exc.ArgumentError, match="'k'"):  # a parameter nobody gave is not sent as NULL
        needs.args({})


@pytest.mark.postgres
async def test_a_lent_connection_commits_each_statement_and_goes_back_to_the_pool_as_it_was(
    pg_engine: AsyncEngine,
) -> None:
    engine = make_engine(
        str(pg_engine.url.render_as_string(hide_password=False)), pool_size=1, max_overflow=0
    )
    seen: list[bool] = []

    def listener(conn: Any, _cursor: object, _statement: str, *_: object) -> None:
        seen.append(conn.connection.dbapi_connection.autocommit)

    event.listen(engine.sync_engine, "before_cursor_execute", listener)
    try:
        async with driver_sql.autocommit(engine) as lent:
            await driver_sql.fetch(lent, _SAVE, {"key": "t:lent", "state": {}, "at": NOW})
            assert (
                await _count(pg_engine, "t:lent") == 1
            )  # committed by itself, before the connection goes back
        assert seen == [True]
        # The one pooled connection, lent again to a unit: its statements are in a transaction once more.
        async with make_sessionmaker(engine)() as session, session.begin():
            await driver_sql.fetch(session, _SAVE, {"key": "t:unit", "state": {}, "at": NOW})
            assert await _count(pg_engine, "t:unit") == 0
            await session.rollback()
        assert await _count(pg_engine, "t:unit") == 0
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", listener)
        await engine.dispose()


@pytest.mark.postgres
async def test_a_lent_connection_that_drops_is_transient_and_not_pooled_again(pg_engine: AsyncEngine) -> None:
    engine = make_engine(
        str(pg_engine.url.render_as_string(hide_password=False)), pool_size=1, max_overflow=0
    )
    try:
        with pytest.raises(exc.DBAPIError) as caught:
            async with driver_sql.autocommit(engine) as lent:
                pid = (await driver_sql.fetch(lent, select(func.pg_backend_pid().label("pid")), {}))[0]["pid"]
                async with pg_engine.connect() as other:
                    await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                await driver_sql.fetch(lent, _SAVE, {"key": "t:dropped", "state": {}, "at": NOW})
        assert caught.value.connection_invalidated and is_transient(caught.value)
        async with driver_sql.autocommit(engine) as lent:  # a new connection in its place
            rows = await driver_sql.fetch(lent, _SAVE, {"key": "t:next", "state": {}, "at": NOW})
            assert rows[0]["version"] == 1
    finally:
        await engine.dispose()


def test_statements_built_for_each_call_do_not_grow_the_compiled_cache_without_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sqlalchemy.dialects.postgresql.asyncpg import dialect

    table = Table("t", MetaData(), Column("id", Integer, primary_key=True))
    pg = dialect()
    for n in range(
        driver_sql.MAX_SHAPES + 10
    ):  # a new statement object each time, as a careless caller would
        driver_sql.compile_for(select(table.c.id).where(table.c.id == n), pg, [])
    assert len(driver_sql._COMPILED) <= driver_sql.MAX_SHAPES
    assert "build hot statements once" in caplog.text
