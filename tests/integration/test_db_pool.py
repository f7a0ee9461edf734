"""PostgreSQL pool: a connection idle for long is pinged (and replaced when dead); a busy one is not."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import storage.db
from storage.db import make_engine


async def _pid(engine: storage.db.AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _kill(pg_url: str, pid: int) -> None:
    admin = make_engine(pg_url)
    try:
        async with admin.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()


async def test_idle_connection_is_pinged_and_replaced(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(pg_url)
    try:
        first = await _pid(engine)
        await _kill(pg_url, first)  # e.g. the server restarted overnight
        monkeypatch.setattr(storage.db, "PING_AFTER_IDLE_S", 0.0)
        second = await _pid(engine)  # the ping failed: a fresh connection, and no error
        assert second != first
    finally:
        await engine.dispose()


async def test_recently_used_connection_is_not_pinged(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        first = await _pid(engine)
        await _kill(pg_url, first)
        # Used a moment ago, so it is trusted without a round trip; a dead one fails once...
        with pytest.raises(DBAPIError):
            await _pid(engine)
        # ...and SQLAlchemy drops it, so the next unit works on a fresh connection.
        assert await _pid(engine) != first
    finally:
        await engine.dispose()
