"""`helpdesk migrate` on a PostgreSQL server without pgvector says so in one line instead of a traceback.

The server here has pgvector, so the test asks the check for an extension no server has; what it proves is
that the check runs against the server's catalogue and that the CLI turns a missing extension into exit 2.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpdesk import preflight
from helpdesk.cli import main
from helpdesk.settings import get_settings
from tests.integration.conftest import PG_ADMIN_URL


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


def test_a_server_with_pgvector_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", PG_ADMIN_URL)
    get_settings.cache_clear()
    preflight.check_database(get_settings())


def test_migrate_without_pgvector_is_one_line_naming_database_url(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(preflight, "PGVECTOR_EXTENSION", "vector_that_no_server_has")
    monkeypatch.setenv("DATABASE_URL", PG_ADMIN_URL)
    get_settings.cache_clear()
    result = cli.invoke(main, ["migrate"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("helpdesk: DATABASE_URL: ") and "pgvector" in lines[0]
    assert "Traceback" not in result.output
