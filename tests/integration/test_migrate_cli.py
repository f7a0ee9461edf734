"""`helpdesk migrate` says what it did: created, upgraded or already up to date (not "up to date" on a new one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.settings import get_settings
from storage.migrate import alembic_config


def test_migrate_says_created_then_already_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        first = CliRunner().invoke(main, ["migrate"])
        again = CliRunner().invoke(main, ["migrate"])
    finally:
        get_settings.cache_clear()
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert first.exit_code == 0 and first.output == f"database created (schema {head}): {url}\n"
    assert again.exit_code == 0 and again.output == f"database already up to date (schema {head}): {url}\n"
