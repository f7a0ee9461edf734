"""The repository contract on the in-memory fake and on SQL (a temporary SQLite file)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import storage.kb_tables  # registers the KB tables
import storage.tables  # noqa: F401
from storage.db import make_engine, make_sessionmaker, metadata
from storage.kb_repository import SqlArticleRepository, SqlGapLog
from tests.unit.kb_search import repository_contract as contract
from tests.unit.kb_search.fakes import MemoryArticleRepository, MemoryGapLog


@pytest.fixture(params=["memory", "sqlite"])
async def repos(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Any, Any]]:
    if request.param == "memory":
        yield MemoryArticleRepository(), MemoryGapLog()
        return
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'kb.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    session = make_sessionmaker(engine)()
    try:
        yield SqlArticleRepository(session), SqlGapLog(session)
    finally:
        await session.close()
        await engine.dispose()


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda c: c.__name__)
async def test_article_repository_contract(repos: tuple[Any, Any], check: Any) -> None:
    await check(repos[0])


async def test_gap_log_contract(repos: tuple[Any, Any]) -> None:
    await contract.check_gap_log(repos[1])


async def test_the_kb_loads_from_sql_follows_edits_and_writes_gaps(tmp_path: Path) -> None:
    from kb_search.importer import import_path
    from kb_search.model import ArticleStatus, Reader
    from kb_search.service import KnowledgeBase
    from storage.uow import UnitOfWorkFactory
    from tests.unit.kb_search.test_importer import DEMO

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'kb.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    uows = UnitOfWorkFactory(make_sessionmaker(engine))
    try:
        async with uows() as uow:
            count = await import_path(uow.articles, DEMO, author="test")
            await uow.commit()
        kb = KnowledgeBase(embedder=None, threshold=0.6)
        loaded = await kb.load(uows, refresh_every=None)
        assert loaded == count
        # Internal articles are for staff only.
        assert await kb.get("int-visit-checklist", Reader.public()) is None
        assert await kb.get("int-visit-checklist", Reader.staff()) is not None
        async with uows() as uow:
            await uow.articles.set_status("printer-jam", ArticleStatus.DRAFT, "admin")
            await uow.commit()
        await kb.search("закажите нам пиццу", Reader.public())
        await kb.refresh()
        assert await kb.get("printer-jam", Reader.public()) is None
        async with uows() as uow:
            assert [g.query for g in await uow.kb_gaps.list()] == ["закажите нам пиццу"]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
async def test_phrasing_repository_contract(backend: str, tmp_path: Path) -> None:
    from storage.kb_phrasings import SqlPhrasingRepository
    from tests.unit.kb_search.fakes import MemoryPhrasingRepository
    from tests.unit.kb_search.phrasing_contract import check_phrasing_repository

    if backend == "memory":
        await check_phrasing_repository(MemoryPhrasingRepository())
        return
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'kb.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    session = make_sessionmaker(engine)()
    try:
        async with session.begin():
            await check_phrasing_repository(SqlPhrasingRepository(session))
    finally:
        await session.close()
        await engine.dispose()
