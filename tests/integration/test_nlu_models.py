"""A retrained NLU model reaches every process without a restart: published to the database, heard through
NOTIFY (PostgreSQL) or the poll, loaded in a thread and swapped in between two parses."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk import cluster_sync
from helpdesk.nlu_models import NluFollower, SwappableParser, publish_model
from nlu.result import IntentScore, ParseResult
from storage import nlu_models as store
from storage.db import make_engine


class Model:
    """Stands in for a loaded backend: answers with the intent its folder's meta.json names."""

    def __init__(self, folder: Path) -> None:
        meta = json.loads((folder / "meta.json").read_text())
        self.intent = meta["intents"][0]
        self.weights = (folder / "classifier.npz").read_bytes()

    async def parse(self, text: str) -> ParseResult:
        return ParseResult(text, IntentScore(self.intent, 1.0))


class Old:
    async def parse(self, text: str) -> ParseResult:
        return ParseResult(text, IntentScore("old", 1.0))


def trained(tmp_path: Path, intent: str) -> Path:
    folder = tmp_path / f"model-{intent}"
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"intents": [intent, "greet"], "n_examples": 3}))
    (folder / "classifier.npz").write_bytes(intent.encode() * 1000)
    return folder


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The engine with no published model before and after (the PostgreSQL database is the session's)."""
    async with engine.begin() as conn:
        await conn.execute(store.nlu_models.delete())
    yield engine
    async with engine.begin() as conn:
        await conn.execute(store.nlu_models.delete())


async def _intent(parser: SwappableParser) -> str:
    return (await parser.parse("hi")).intent.name


async def test_a_published_model_is_loaded_once_and_a_newer_one_replaces_it(
    db: AsyncEngine, tmp_path: Path
) -> None:
    engine = db
    parser = SwappableParser(Old())
    follower = NluFollower(engine, parser, tmp_path / "published", Model)
    assert await follower.check() is False  # nothing published: the start-up model stays
    assert await _intent(parser) == "old"

    first = await publish_model(engine, trained(tmp_path, "billing"))
    assert await follower.check() is True
    assert (await _intent(parser), parser.version) == ("billing", first)
    assert await follower.check() is False  # the same version is not loaded again

    second = await publish_model(engine, trained(tmp_path, "repair"))
    assert second > first
    assert await follower.check() is True
    assert (await _intent(parser), parser.version) == ("repair", second)
    kept = [p.name for p in (tmp_path / "published").iterdir()]
    assert kept == [f"{second}-{os.getpid()}"]  # the old version's files are gone


async def test_a_model_that_cannot_be_loaded_leaves_the_old_one_in_use(
    db: AsyncEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = db
    parser = SwappableParser(Old())
    follower = NluFollower(engine, parser, tmp_path / "published", Model)
    await store.publish(engine, b"not a zip", {"intents": []}, datetime.now(UTC))
    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="helpdesk.nlu_models"):
        running = asyncio.create_task(follower.run(stop, poll_s=0.05))
        async with asyncio.timeout(5):
            while not caplog.records:  # noqa: ASYNC110  (waits for the follower's log line)
                await asyncio.sleep(0.02)
        stop.set()
        await running
    assert "the old one stays" in caplog.records[0].getMessage()
    assert await _intent(parser) == "old" and parser.version is None


def test_publish_refuses_a_folder_without_a_model_and_says_what_to_do(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpdesk.cli import main

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["nlu", "publish", str(empty)])
    assert result.exit_code != 0 and "helpdesk nlu train" in result.output
    result = CliRunner().invoke(main, ["nlu", "publish", str(trained(tmp_path, "billing"))])
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output


@pytest.mark.postgres
async def test_every_process_loads_a_published_model_within_a_second(pg_url: str, tmp_path: Path) -> None:
    """Two processes' followers (own engines, own LISTEN connections) with a poll too slow to matter."""
    stop = asyncio.Event()
    engines = [make_engine(pg_url) for _ in range(3)]
    parsers = [SwappableParser(Old()) for _ in range(2)]
    tasks: list[asyncio.Task[None]] = []
    try:
        async with engines[2].begin() as conn:
            await conn.execute(store.nlu_models.delete())
        for i, parser in enumerate(parsers):
            follower = NluFollower(engines[i], parser, tmp_path / f"process{i}", Model)
            tasks.append(asyncio.create_task(follower.run(stop, poll_s=60)))
            channels = cluster_sync.handlers(kb=None, wake_delivery=None, nlu=follower.check_soon)
            listening = cluster_sync.start_listening(pg_url, channels, stop)
            assert listening is not None
            tasks.append(listening)
        await asyncio.sleep(1.0)  # both listen, and have looked once at start
        started = time.monotonic()
        await publish_model(engines[2], trained(tmp_path, "billing"))
        async with asyncio.timeout(5):
            while any(p.version is None for p in parsers):  # noqa: ASYNC110  (other tasks swap them)
                await asyncio.sleep(0.01)
        assert time.monotonic() - started < 1.0
        assert [await _intent(p) for p in parsers] == ["billing", "billing"]
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        async with engines[2].begin() as conn:
            await conn.execute(store.nlu_models.delete())
        for db in engines:
            await db.dispose()
