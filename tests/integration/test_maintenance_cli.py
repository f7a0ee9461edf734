"""`helpdesk maintenance` adds, lists, pauses and resumes plans; bad input is refused with a clear message."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.demo.loader import load_directory, read_directory
from helpdesk.settings import get_settings
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.uow import UnitOfWorkFactory


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"

    async def prepare() -> None:
        await upgrade(url)
        engine = make_engine(url)
        async with UnitOfWorkFactory(make_sessionmaker(engine))() as uow:
            await load_directory(uow, read_directory())
            await uow.commit()
        await engine.dispose()

    asyncio.run(prepare())
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_add_list_pause_resume(db: str) -> None:
    run = CliRunner().invoke
    args = ["maintenance", "add", "--client", "romashka", "--site", "rom-nevsky", "--category", "hvac"]
    result = run(main, [*args, "--schedule", "first monday of each month at 09:00", "--description", "AC service",
                        "--checklist", "Clean filters", "--checklist", "Check the drain"])  # fmt: skip
    assert result.exit_code == 0, result.output
    plan_id = result.output.split(":")[0]
    assert plan_id.startswith("mp-") and "T06:00:00+00:00" in result.output  # 09:00 Moscow time
    listed = run(main, ["maintenance", "list"]).output
    assert plan_id in listed and "active" in listed and "AC service" in listed
    assert run(main, ["maintenance", "pause", plan_id]).exit_code == 0
    assert "paused" in run(main, ["maintenance", "list", "--client", "romashka"]).output
    assert run(main, ["maintenance", "resume", plan_id]).exit_code == 0
    assert "active" in run(main, ["maintenance", "list"]).output
    assert run(main, ["maintenance", "resume", plan_id]).exit_code == 0  # already running: nothing to audit
    # Each change is audited, as the system (the CLI), through the use cases (it was not before)
    saved = [
        (e["data"]["plan_id"], e["data"]["created"], e["data"]["changed"], e["actor"]["role"])
        for e in _audit(db)
    ]
    assert saved == [
        (plan_id, True, [], "system"),
        (plan_id, False, ["active"], "system"),
        (plan_id, False, ["active"], "system"),
    ]


def _audit(url: str) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        engine = make_engine(url)
        try:
            async with UnitOfWorkFactory(make_sessionmaker(engine))() as uow:
                since = datetime(2000, 1, 1, tzinfo=UTC)
                return await uow.events.list_between(["maintenance_plan_saved"], since, datetime.now(UTC))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_bad_input_is_refused(db: str) -> None:
    run = CliRunner().invoke
    base = ["maintenance", "add", "--category", "hvac", "--description", "x"]
    bad = run(main, [*base, "--client", "romashka", "--schedule", "every blue moon"])
    assert bad.exit_code != 0 and "is not a schedule I know" in bad.output
    bad = run(
        main, [*base, "--client", "romashka", "--site", "acme-wh1", "--schedule", "every friday at 16:00"]
    )
    assert bad.exit_code != 0 and "is not a site of romashka" in bad.output
    bad = run(main, [*base, "--client", "nobody", "--schedule", "every friday at 16:00"])
    assert bad.exit_code != 0 and "No client nobody." in bad.output
    bad = run(
        main, [*base, "--client", "romashka", "--schedule", "every friday at 16:00", "--lead-days", "90"]
    )
    assert bad.exit_code != 0 and "Lead time is a number of days from 0 to 60" in bad.output
    assert (
        run(main, ["maintenance", "pause", "mp-nope"])
        .output.strip()
        .endswith("No plan mp-nope. Check the id in the plan list.")
    )
    assert run(main, ["maintenance", "list"]).output.strip() == "no maintenance plans"
    assert _audit(db) == []  # nothing refused was saved or audited


def test_plans_for_registered_units(db: str) -> None:
    run = CliRunner().invoke
    args = ["maintenance", "add", "--client", "romashka", "--category", "hvac", "--description", "Filters",
            "--schedule", "first monday of each month at 09:00"]  # fmt: skip
    bad = run(main, [*args, "--site", "rom-nevsky", "--unit-type", "fridge"])
    assert bad.exit_code != 0 and "No equipment type fridge" in bad.output
    bad = run(main, [*args, "--unit", "nope"])
    assert bad.exit_code != 0 and "No unit nope of romashka" in bad.output
    assert (
        run(
            main, ["equipment", "type", "ac", "--category", "hvac", "--name-ru", "К", "--name-en", "AC"]
        ).exit_code
        == 0
    )
    bad = run(main, [*args, "--unit-type", "ac"])
    assert bad.exit_code != 0 and "needs the site" in bad.output
    ok = run(main, [*args, "--site", "rom-nevsky", "--unit-type", "ac"])
    assert ok.exit_code == 0, ok.output
