"""The statements every message runs, sent by asyncpg itself on the connection and transaction SQLAlchemy holds.

SQLAlchemy's execution layer (a greenlet switch each way, an execution context, the compiled cache's key,
the result object) costs about 140 µs of CPU a statement on this project's machine, twice what asyncpg
spends on it, and a message runs about ten (docs/scaling.md, "SQLAlchemy's execution layer"). `fetch` runs a
Core statement that SQLAlchemy compiled once for the dialect: on PostgreSQL asyncpg sends the same SQL on the
same connection, inside the unit's transaction (which it begins when it is the first statement, as SQLAlchemy
would), with the same bind processing (the columns' types: UTC timestamps, JSON); elsewhere SQLAlchemy runs
it. Rows come back as mappings either way (`row["column"]`), and a failure as SQLAlchemy's exception
(`IntegrityError`, `OperationalError`...), with a dropped connection invalidated so that the pool replaces it.

Only for statements whose every value is a bind parameter the caller passes or a fixed one: no Python-side
column defaults, no expanding IN lists (`compile` refuses both, so a test finds them). For the hot path: a
statement used once in a while gains nothing worth the restriction.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.engine.default import CacheStats
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import greenlet_spawn

log = logging.getLogger(__name__)
_DRIVER = "storage.driver_sql"  # the key of a session's asyncpg connection in `session.info`


@dataclass(frozen=True)
class Compiled:
    """A statement as asyncpg takes it: its SQL with $n parameters, and how to make each argument."""

    sql: str
    names: tuple[str, ...]  # the parameter of each $n
    fixed: tuple[Any, ...]  # its value when the caller passes none (a `.values(status="done")`)
    processors: tuple[Callable[[Any], Any] | None, ...]  # the column type's bind processing

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        out = []
        for name, fixed, process in zip(self.names, self.fixed, self.processors, strict=True):
            value = params.get(name, fixed)
            if value is _MISSING:
                raise sa_exc.ArgumentError(f"no value for the parameter {name!r}")
            out.append(process(value) if process is not None else value)
        return out


class Unsupported(ValueError):
    """The statement needs SQLAlchemy's execution (Python-side defaults, expanding parameters)."""


_MISSING = object()
_COMPILED: dict[tuple[int, str, tuple[str, ...]], tuple[Executable, Compiled]] = {}
MAX_SHAPES = 1024  # the hot path has a few dozen; more means statements built for each call reach `fetch`


def compile_for(stmt: Executable, dialect: Dialect, keys: Sequence[str]) -> Compiled:
    """`stmt` compiled for `dialect` with the parameters `keys` (an INSERT's columns), once per shape."""
    return _compiled(stmt, dialect, keys)[0]


def _compiled(stmt: Executable, dialect: Dialect, keys: Sequence[str]) -> tuple[Compiled, CacheStats]:
    key = (id(stmt), dialect.name, tuple(keys))
    found = _COMPILED.get(key)
    if found is not None and found[0] is stmt:
        return found[1], CacheStats.CACHE_HIT
    compiled = stmt.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    assert isinstance(compiled, SQLCompiler)
    if compiled.insert_prefetch or compiled.update_prefetch or "POSTCOMPILE" in compiled.string:
        raise Unsupported(
            f"not for the driver path (defaults or expanding parameters): {compiled.string[:80]}"
        )
    names = tuple(compiled.positiontup or ())
    fixed, processors = [], []
    for name in names:
        bind = compiled.binds[name]
        fixed.append(bind.effective_value if not bind.required else _MISSING)
        processors.append(bind.type.dialect_impl(dialect).bind_processor(dialect))
    made = Compiled(compiled.string, names, tuple(fixed), tuple(processors))
    if len(_COMPILED) >= MAX_SHAPES:
        # Each entry holds its statement: statements built for each call would grow this without end.
        log.warning("driver_sql: over %d statements compiled; build hot statements once", MAX_SHAPES)
        _COMPILED.clear()
    _COMPILED[key] = (stmt, made)
    return made, CacheStats.CACHE_MISS


@dataclass(frozen=True)
class DriverContext:
    """What `before_cursor_execute` listeners get as the execution context: whether the SQL was compiled anew."""

    cache_hit: CacheStats


class DriverConnection:
    """A pooled connection lent outside SQLAlchemy's `Connection`, for work that runs `fetch` only and whose every
    statement is its own transaction (`autocommit`). `connection` is the pool's proxy, as on a `Connection`."""

    def __init__(self, connection: Any, engine: AsyncEngine) -> None:
        self.connection = connection
        self.dialect = engine.dialect
        self.dispatch = engine.sync_engine.dispatch  # `before_cursor_execute` listeners of the engine


Statements = AsyncSession | AsyncConnection | DriverConnection
"""What `fetch` runs on."""


def dialect_of(executor: Statements) -> Dialect:
    """The dialect `executor` talks."""
    return executor.get_bind().dialect if isinstance(executor, AsyncSession) else executor.dialect


@asynccontextmanager
async def autocommit(engine: AsyncEngine) -> AsyncIterator[AsyncConnection | DriverConnection]:
    """A connection whose statements commit one by one. On asyncpg the pool's connection itself: SQLAlchemy's
    `Connection` around it, with its isolation level set and reset, cost about as much again as the
    statement (`fetch` only); elsewhere an autocommit `AsyncConnection`."""
    if engine.dialect.driver != "asyncpg":
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn
        return
    lent = await engine.raw_connection()
    try:
        adapted: Any = lent.dbapi_connection
        adapted.autocommit = True  # no transaction is begun for `fetch` (and none is open: it was pooled)
        try:
            yield DriverConnection(lent, engine)
        finally:
            adapted.autocommit = False
    finally:
        await greenlet_spawn(lent.close)  # back to the pool (its reset has nothing to roll back)


async def fetch(executor: Statements, stmt: Executable, params: Mapping[str, Any]) -> list[Any]:
    """Run `stmt` with `params` on `executor`'s connection (in its transaction, if any); its rows as mappings."""
    dialect = dialect_of(executor)
    if dialect.driver != "asyncpg":
        assert not isinstance(executor, DriverConnection)  # `autocommit` lends one on asyncpg only
        result = await executor.execute(stmt, dict(params))
        if isinstance(result, CursorResult) and not result.returns_rows:
            return []  # an INSERT or UPDATE without RETURNING
        return list(result.mappings())
    compiled, cache = _compiled(stmt, dialect, list(params))
    args = compiled.args(params)
    adapted, connection = await _adapted(executor)
    if connection.dispatch.before_cursor_execute:  # listeners (tests count statements) see these too
        context = DriverContext(cache)
        connection.dispatch.before_cursor_execute(connection, None, compiled.sql, args, context, False)
    try:
        async with adapted._execute_mutex:
            if adapted._transaction is None and not adapted.autocommit:
                await (
                    adapted._start_transaction()
                )  # a unit's first statement begins it, as SQLAlchemy's would
            return list(await adapted._connection.fetch(compiled.sql, *args))
    except Exception as error:
        raise await _translated(executor, adapted, dialect, compiled.sql, args, error) from error


async def _adapted(executor: Statements) -> tuple[Any, Any]:
    """SQLAlchemy's adapter of the asyncpg connection `executor` holds (checked out for it if need be), and
    SQLAlchemy's connection around it.

    A session keeps both in `info` while the connection is its: two greenlet switches fewer a statement."""
    if isinstance(executor, AsyncSession):
        kept = executor.info.get(_DRIVER)
        if kept is not None and kept[0].dbapi_connection is kept[1] and kept[1]._transaction is not None:
            return kept[1], kept[2]
        connection = await executor.connection()
        fairy = await connection.get_raw_connection()
        sync = connection.sync_connection
        assert sync is not None  # an AsyncConnection a session handed out is started
        executor.info[_DRIVER] = (fairy, fairy.dbapi_connection, sync)
        return fairy.dbapi_connection, sync
    if isinstance(executor, DriverConnection):
        return executor.connection.dbapi_connection, executor
    fairy = await executor.get_raw_connection()
    assert executor.sync_connection is not None
    return fairy.dbapi_connection, executor.sync_connection


async def _translated(
    executor: Statements,
    adapted: Any,
    dialect: Dialect,
    sql: str,
    args: list[Any],
    error: Exception,
) -> Exception:
    """`error` as SQLAlchemy raises it from a statement; a connection it dropped is invalidated first."""
    try:
        adapted._handle_exception(error)  # the dialect's DB-API error for asyncpg's
    except Exception as dbapi_error:
        translated: Exception = dbapi_error
    else:  # pragma: no cover - _handle_exception always raises
        translated = error
    base = dialect.loaded_dbapi.Error
    if not isinstance(translated, base):
        return translated
    lost = dialect.is_disconnect(translated, adapted, None)
    if lost and isinstance(executor, DriverConnection):
        await greenlet_spawn(executor.connection.invalidate, translated)  # closed, not pooled again
    elif lost:
        connection = executor if isinstance(executor, AsyncConnection) else await executor.connection()
        await connection.invalidate(translated)
        if isinstance(executor, AsyncSession):
            executor.info.pop(_DRIVER, None)
    return sa_exc.DBAPIError.instance(
        sql, args, translated, base, connection_invalidated=lost, dialect=dialect
    )
