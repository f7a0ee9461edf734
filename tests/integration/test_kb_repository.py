"""The KB repository contract on migrated databases (SQLite via Alembic, and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from storage.uow import UnitOfWorkFactory
from tests.unit.kb_search import repository_contract as contract


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda c: c.__name__)
async def test_article_repository_contract(uow_factory: UnitOfWorkFactory, check: Any) -> None:
    async with uow_factory() as uow:
        await check(uow.articles)


async def test_gap_log_contract(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await contract.check_gap_log(uow.kb_gaps)


async def test_phrasing_repository_contract(uow_factory: UnitOfWorkFactory) -> None:
    from tests.unit.kb_search.phrasing_contract import check_phrasing_repository

    async with uow_factory() as uow:
        await check_phrasing_repository(uow.phrasings)
