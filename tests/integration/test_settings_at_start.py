"""Settings and the SLA file are read when a process starts, and only then (docs/scaling.md, issue #17).

What docs/scaling.md says a change of them needs, held: a process keeps what it read at start however the
file changes under it, and the next process started (a rolling restart's) reads the new file. What does
follow a running cluster without a restart (KB edits, published NLU models, SLA configurations published
with `helpdesk sla publish`) is tested in test_cluster.py, test_nlu_models.py and test_sla_configs.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from helpdesk.runtime import build_runtime
from helpdesk.settings import Settings


def _settings(sqlite_url: str, sla_file: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=sqlite_url,
        kb_embedder="none",
        kb_cache_dir=None,
        sla_config_file=sla_file,
    )


async def test_a_running_process_keeps_the_sla_file_it_started_with(sqlite_url: str, tmp_path: Path) -> None:
    sla_file = tmp_path / "sla.yml"
    sla_file.write_text(yaml.safe_dump({"at_risk_share": 0.8}), encoding="utf-8")
    rt = await build_runtime(_settings(sqlite_url, sla_file), load_kb=False, load_nlu=False)
    try:
        await rt.start(worker=True)
        sla_file.write_text(yaml.safe_dump({"at_risk_share": 0.5}), encoding="utf-8")
        await asyncio.sleep(1.5)  # longer than every poll that could pick a change up (the KB's 1 s)
        assert rt.sla_config.config.at_risk_share == 0.8
        async with rt.uows() as uow:
            assert uow.sla is not None and uow.sla.config.at_risk_share == 0.8
    finally:
        await rt.close()

    restarted = await build_runtime(_settings(sqlite_url, sla_file), load_kb=False, load_nlu=False)
    try:
        assert restarted.sla_config.config.at_risk_share == 0.5
    finally:
        await restarted.close()
