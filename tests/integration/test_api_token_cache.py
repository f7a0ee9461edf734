"""The API's token cache (`storage.token_cache`): no lookup per request on PostgreSQL, and a revoke is refused
at once by a process that had the token cached (NOTIFY), or after API_TOKEN_CACHE_S when the NOTIFY was missed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from helpdesk.api.tokens import hash_token, new_token
from storage.api_tokens import ApiTokenRecord, SqlApiTokenRepository
from storage.db import make_engine, make_sessionmaker
from storage.token_cache import TokenCache
from tests.integration.test_api_http import Api, running_api

REVOKE_HEARD_WITHIN_S = 1.0


@pytest.fixture
async def api(db_url: str, unused_tcp_port: int) -> AsyncIterator[Api]:
    """A running app on SQLite and on PostgreSQL."""
    async with running_api(db_url, unused_tcp_port) as running:
        yield running


async def _listening(api: Api) -> None:
    """Wait until the app's LISTEN connection has subscribed to its last channel (the tokens')."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND query LIKE 'LISTEN%helpdesk_api_tokens%'"
    )
    async with asyncio.timeout(20):
        while not await api.scalar(query):  # noqa: ASYNC110 - another process's state, polled
            await asyncio.sleep(0.05)


async def _heard_since(api: Api, generation: int) -> None:
    """Wait until the app has heard a NOTIFY sent after `generation` was read (the cache forgot)."""
    async with asyncio.timeout(REVOKE_HEARD_WITHIN_S):
        while api.rt.api_tokens.generation == generation:  # noqa: ASYNC110 - set by the LISTEN callback
            await asyncio.sleep(0.01)


async def _in_another_process(db_url: str, change: str, name: str) -> None:
    """Change a token the way `helpdesk api-token revoke` does: its own engine and transaction."""
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            repo = SqlApiTokenRepository(session)
            if change == "revoke":
                assert await repo.revoke(name, datetime.now(UTC))
            else:
                record = await repo.get_by_name(name)
                assert record is not None
                await repo.touch(record.id, datetime.now(UTC))
            await session.commit()
    finally:
        await engine.dispose()


async def test_a_revoked_token_is_refused_at_once_by_a_process_that_had_it_cached(
    api: Api, db_url: str
) -> None:
    postgres = db_url.startswith("postgresql")
    if postgres:
        await _listening(api)
    generation = api.rt.api_tokens.generation
    token = await api.token("crm", "directory:read")
    if postgres:  # the NOTIFY of its creation, heard, would make the next lookup count
        await _heard_since(api, generation)
    assert (await api.call("GET", "/api/engineers", token))[0] == 200
    looked_up = api.rt.api_tokens.lookups
    for _ in range(3):
        assert (await api.call("GET", "/api/engineers", token))[0] == 200
    # PostgreSQL: the token is not read again; SQLite: every request reads it (a local read, and no NOTIFY).
    assert api.rt.api_tokens.lookups == looked_up + (0 if postgres else 3)

    await _in_another_process(db_url, "revoke", "crm")
    revoked_at = time.monotonic()
    while True:
        status, body, _ = await api.call("GET", "/api/engineers", token)
        if status == 401:
            break
        assert status == 200
        assert time.monotonic() - revoked_at < REVOKE_HEARD_WITHIN_S, "the revoke was not heard in 1 s"
        await asyncio.sleep(0.01)
    assert body["error"]["code"] == "revoked_token"


async def test_using_a_token_does_not_make_the_processes_forget_it(
    api: Api, pg_url: str, db_url: str
) -> None:
    if db_url != pg_url:
        pytest.skip("the cache is PostgreSQL's")
    await _listening(api)
    generation = api.rt.api_tokens.generation
    token = await api.token("busy-crm", "directory:read")
    await _heard_since(api, generation)  # the NOTIFY of its creation
    assert (await api.call("GET", "/api/engineers", token))[0] == 200
    looked_up = api.rt.api_tokens.lookups
    await _in_another_process(
        db_url, "touch", "busy-crm"
    )  # last_used_at, as every process writes each minute
    await asyncio.sleep(0.3)
    assert (await api.call("GET", "/api/engineers", token))[0] == 200
    assert api.rt.api_tokens.lookups == looked_up


async def test_an_entry_is_looked_up_again_after_the_ttl_when_no_notify_comes(sqlite_url: str) -> None:
    """The safety net for a process whose LISTEN connection was down: a revoke is seen within the TTL."""
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    now = [100.0]
    cache = TokenCache(sessions, ttl_s=10.0, clock=lambda: now[0])
    token = new_token()
    try:
        async with sessions() as session:
            repo = SqlApiTokenRepository(session)
            record = ApiTokenRecord(
                uuid.uuid4().hex, "mon", hash_token(token), ("alerts:write",), datetime.now(UTC)
            )
            await repo.add(record)
            await session.commit()
        assert (found := await cache.find(hash_token(token))) is not None and found.active
        async with sessions() as session:
            await SqlApiTokenRepository(session).revoke("mon", datetime.now(UTC))
            await session.commit()
        now[0] += 9.9
        assert (still := await cache.find(hash_token(token))) is not None and still.active  # within the TTL
        assert cache.lookups == 1
        now[0] += 0.2
        assert (late := await cache.find(hash_token(token))) is not None and not late.active
        assert cache.lookups == 2

        unknown = hash_token(new_token())
        assert await cache.find(unknown) is None and await cache.find(unknown) is None
        assert cache.lookups == 4  # an unknown token is not kept

        cache.forget()  # what the NOTIFY (or a LISTEN reconnection) does
        await cache.find(hash_token(token))
        assert cache.lookups == 5
        off = TokenCache(sessions, ttl_s=0.0, clock=lambda: now[0])
        await off.find(hash_token(token))
        await off.find(hash_token(token))
        assert off.lookups == 2
    finally:
        await engine.dispose()
