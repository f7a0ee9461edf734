"""A changed SLA configuration reaches every running process without a restart (issue #17).

`helpdesk sla publish FILE` checks the file as a process checks SLA_CONFIG_FILE at start and stores it; every
process's follower switches its `SlaConfigRef` (on NOTIFY within a second on PostgreSQL, by its poll on
SQLite), units opened afterwards use it, a process started later begins with it, and a version that cannot
be read leaves the configuration in force.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk import cluster_sync
from helpdesk.cli import main
from helpdesk.config_errors import ConfigError
from helpdesk.runtime import build_runtime
from helpdesk.settings import Settings, get_settings
from helpdesk.sla_configs import SlaConfigFollower, initial_config, publish_file
from storage import sla_configs as store
from storage.db import make_engine, make_sessionmaker
from storage.reports import SqlReportSource
from storage.uow import UnitOfWorkFactory
from ticket_core.sla.config import SlaConfigRef


def sla_file(tmp_path: Path, name: str, **values: object) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    return path


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The engine with no published SLA version before and after (the PostgreSQL database is shared)."""
    async with engine.begin() as conn:
        await conn.execute(store.sla_configs.delete())
    yield engine
    async with engine.begin() as conn:
        await conn.execute(store.sla_configs.delete())


async def test_a_published_version_replaces_the_file_for_the_next_units(
    db: AsyncEngine, tmp_path: Path
) -> None:
    ref = await initial_config(db, sla_file(tmp_path, "start.yml", at_risk_share=0.8))
    assert (ref.config.at_risk_share, ref.version) == (0.8, None)
    uows = UnitOfWorkFactory(make_sessionmaker(db), sla_config=ref)
    seen: list[float] = []
    follower = SlaConfigFollower(db, ref, on_swap=lambda config: seen.append(config.at_risk_share))
    assert await follower.check() is False  # nothing published: the file stays

    async with uows() as in_flight:
        first = await publish_file(db, sla_file(tmp_path, "new.yml", at_risk_share=0.5))
        assert await follower.check() is True
        assert in_flight.sla is not None and in_flight.sla.config.at_risk_share == 0.8  # began with the old
    async with uows() as after:
        assert after.sla is not None and after.sla.config.at_risk_share == 0.5
    assert (ref.version, seen) == (first, [0.5])
    assert await follower.check() is False  # the same version is not taken twice

    # A process started now (a new replica, a restart) begins with the published version, not its file.
    started = await initial_config(db, sla_file(tmp_path, "start.yml", at_risk_share=0.8))
    assert (started.config.at_risk_share, started.version) == (0.5, first)


async def test_a_bad_file_is_refused_in_one_line_and_nothing_is_published(
    db: AsyncEngine, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("calendars: 42\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        await publish_file(db, bad)
    assert "calendars" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(ConfigError, match="cannot read"):
        await publish_file(db, tmp_path / "missing.yml")
    assert await store.latest_version(db) is None


async def test_a_version_that_cannot_be_read_leaves_the_one_in_force(
    db: AsyncEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ref = SlaConfigRef((await initial_config(db, None)).config, None, "built-in defaults")
    before = ref.config
    follower = SlaConfigFollower(db, ref)
    # Stored without the check (as a newer release's format might be): the follower must not take it.
    await store.publish(db, "calendars: 42\n", "newer.yml", datetime.now(UTC))
    with caplog.at_level(logging.WARNING, logger="helpdesk.sla_configs"):
        assert await follower.check() is False
        assert await follower.check() is False  # not tried (and logged) again and again
    assert ref.config is before and ref.version is None
    assert len(caplog.records) == 1 and "cannot be used" in caplog.records[0].getMessage()
    good = await publish_file(db, sla_file(tmp_path, "good.yml", at_risk_share=0.6))
    assert await follower.check() is True and ref.version == good


async def test_the_runtime_follows_published_versions_and_reports_use_the_new_ladder(
    sqlite_url: str, tmp_path: Path
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=sqlite_url,
        kb_embedder="none",
        kb_cache_dir=None,
        sla_config_file=sla_file(tmp_path, "sla.yml", at_risk_share=0.8),
    )
    rt = await build_runtime(settings, load_kb=False, load_nlu=False)
    try:
        await rt.start(worker=False)
        assert isinstance(rt.reports, SqlReportSource)
        assert rt.reports.breach_level == 1  # the default ladder: level 1 is the breach
        ladder = [
            {"level": 0, "share": 0.5, "notify": "assignee"},
            {"level": 1, "share": 0.9, "notify": "supervisor"},
            {"level": 2, "share": 1.0, "notify": "supervisor"},
        ]
        await publish_file(rt.db, sla_file(tmp_path, "new.yml", at_risk_share=0.5, ladder=ladder))
        follower = SlaConfigFollower(rt.db, rt.sla_config, on_swap=rt._sla_changed)
        assert await follower.check() is True  # what the runtime's own follower does at its poll
        async with rt.uows() as uow:
            assert uow.sla is not None and uow.sla.config.at_risk_share == 0.5
        assert rt.reports.breach_level == 2
    finally:
        await rt.close()


def test_the_cli_publishes_and_shows_what_is_in_force(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SLA_CONFIG_FILE", str(sla_file(tmp_path, "start.yml", at_risk_share=0.8)))
    get_settings.cache_clear()
    try:
        cli = CliRunner()
        shown = cli.invoke(main, ["sla", "show", "--json"])
        assert shown.exit_code == 0, shown.output
        assert '"version": null' in shown.output and "start.yml" in shown.output
        bad = tmp_path / "bad.yml"
        bad.write_text("policies: {default: {respond: soon}}\n", encoding="utf-8")
        refused = cli.invoke(main, ["sla", "publish", str(bad)])
        assert refused.exit_code == 2 and refused.stderr.count("\n") == 1, refused.output
        assert refused.stderr.startswith("helpdesk: FILE (") and "Traceback" not in refused.output
        done = cli.invoke(main, ["sla", "publish", str(sla_file(tmp_path, "new.yml", at_risk_share=0.5))])
        assert done.exit_code == 0 and "published SLA version" in done.output, done.output
        shown = cli.invoke(main, ["sla", "show", "--body"])
        assert "in force: published SLA version" in shown.output and "new.yml" in shown.output
        assert "at_risk_share: 0.5" in shown.output and "is not used while" in shown.output
    finally:
        get_settings.cache_clear()


@pytest.mark.postgres
async def test_every_process_switches_within_a_second(pg_url: str, tmp_path: Path) -> None:
    """Two processes' followers (own engines, own LISTEN connections) with a poll too slow to matter."""
    stop = asyncio.Event()
    engines = [make_engine(pg_url) for _ in range(3)]
    refs = [await initial_config(engines[i], None) for i in range(2)]
    tasks: list[asyncio.Task[None]] = []
    try:
        async with engines[2].begin() as conn:
            await conn.execute(store.sla_configs.delete())
        for i, ref in enumerate(refs):
            follower = SlaConfigFollower(engines[i], ref)
            tasks.append(asyncio.create_task(follower.run(stop, poll_s=60)))
            channels = cluster_sync.handlers(kb=None, wake_delivery=None, sla=follower.check_soon)
            listening = cluster_sync.start_listening(pg_url, channels, stop)
            assert listening is not None
            tasks.append(listening)
        await asyncio.sleep(1.0)  # both listen, and have looked once at start
        started = time.monotonic()
        await publish_file(engines[2], sla_file(tmp_path, "new.yml", at_risk_share=0.5))
        async with asyncio.timeout(5):
            while any(r.version is None for r in refs):  # noqa: ASYNC110  (other tasks swap them)
                await asyncio.sleep(0.01)
        assert time.monotonic() - started < 1.0
        assert [r.config.at_risk_share for r in refs] == [0.5, 0.5]
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        async with engines[2].begin() as conn:
            await conn.execute(store.sla_configs.delete())
        for engine in engines:
            await engine.dispose()
