"""`helpdesk api-token` against a real database, and migration 0005 against the table definitions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Column, MetaData, Text

import helpdesk.cli.api_tokens  # noqa: F401  (attaches `api-token` to the CLI)
from helpdesk.api.tokens import hash_token
from helpdesk.cli import main
from helpdesk.settings import get_settings
from storage.api_tables import API_TABLES
from storage.api_tokens import ApiTokenRecord, SqlApiTokenRepository
from storage.db import make_engine, make_sessionmaker
from storage.migrate import downgrade, upgrade
from tests.integration.test_migrations import _diff, _tables


@pytest.fixture
def cli_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI pointed at a private migrated SQLite database."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def test_create_shows_the_token_once_and_stores_only_its_hash(cli_db: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main, ["api-token", "create", "CRM-Sync", "--scopes", "tickets:write,kb:read", "--json"]
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["name"] == "crm-sync" and shown["scopes"] == ["tickets:write", "kb:read"]

    async def stored() -> ApiTokenRecord | None:
        engine = make_engine(cli_db)
        try:
            async with make_sessionmaker(engine)() as session:
                return await SqlApiTokenRepository(session).get_by_name("crm-sync")
        finally:
            await engine.dispose()

    record = asyncio.run(stored())
    assert record is not None and record.token_hash == hash_token(shown["token"])
    assert shown["token"] not in record.token_hash

    again = runner.invoke(main, ["api-token", "create", "crm-sync", "--scopes", "kb:read"])
    assert again.exit_code != 0 and "exists" in again.output
    listed = runner.invoke(main, ["api-token", "list"])
    assert "crm-sync" in listed.output and "active" in listed.output and shown["token"] not in listed.output
    revoked = runner.invoke(main, ["api-token", "revoke", "crm-sync"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert "revoked" in runner.invoke(main, ["api-token", "list"]).output
    twice = runner.invoke(main, ["api-token", "revoke", "crm-sync"])
    assert twice.exit_code != 0 and "api-token list" in twice.output


def test_bad_name_or_scope_is_refused_with_the_choices(cli_db: str) -> None:
    runner = CliRunner()
    bad_scope = runner.invoke(main, ["api-token", "create", "x", "--scopes", "tickets:delete"])
    assert bad_scope.exit_code == 2 and "kb:read" in bad_scope.output
    bad_name = runner.invoke(main, ["api-token", "create", "has space", "--scopes", "all"])
    assert bad_name.exit_code == 2 and "invalid token name" in bad_name.output
    assert "No API tokens" in runner.invoke(main, ["api-token", "list"]).output


async def test_migration_0005_matches_the_api_tables_and_downgrades(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'api.db'}"
    await upgrade(url)
    only_api = MetaData()
    for table in API_TABLES:
        table.to_metadata(only_api)
    engine = make_engine(url)
    try:
        # The database also holds every other table; only differences about the API's tables count.
        names = {t.name for t in API_TABLES}
        diff = [d for d in await _diff(engine, only_api) if any(n in repr(d) for n in names)]
        assert diff == []
        # control: a column the migration lacks is noticed
        extra = MetaData()
        for table in API_TABLES:
            table.to_metadata(extra)
        extra.tables["api_tokens"].append_column(Column("note", Text))
        assert [d[0] for d in await _diff(engine, extra) if "api_tokens" in repr(d)] == ["add_column"]
    finally:
        await engine.dispose()
    await downgrade(url, "0004")
    engine = make_engine(url)
    try:
        assert not {t.name for t in API_TABLES} & await _tables(engine)
    finally:
        await engine.dispose()
