"""Many processes on one PostgreSQL (issue #17): a small `helpdesk bench cluster` run keeps its promises.

Two web processes and a worker, each its own `helpdesk` process, with the fake Telegram: each chat's
messages land on both web processes at nearly the same time, a few chats write through Telegram polling,
and a KB edit made through one process is searched for through the other.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from benchmarks.cluster import run_cluster
from tests.integration.conftest import PG_ADMIN_URL

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def test_two_web_processes_and_a_worker_answer_every_message_once_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A database of this test session's own name: the suite's stale-database cleanup knows it.
    url = make_url(PG_ADMIN_URL).set(database=f"helpdesk_test_{os.getpid()}_cluster")
    monkeypatch.setenv("HELPDESK_BENCH_CLUSTER_PG_URL", url.render_as_string(hide_password=False))

    figures = await run_cluster(
        apps=2,
        workers=1,
        chats=8,
        per_chat=3,
        rate=12.0,
        gap_ms=20.0,
        polled_chats=2,
        settle_s=40.0,
        kill=False,
        redis=False,
        log_dir=tmp_path,
    )

    assert figures["messages"] == 8 * 3 + 2 * 3, figures
    assert figures["lost"] == 0, figures
    assert figures["duplicates"] == 0, figures
    assert figures["order_violations"] == 0, figures
    assert figures["state_violations"] == 0, figures
    assert figures["kb_visible_s"] is not None and figures["kb_visible_s"] <= 1.0, figures
    assert figures["metrics_missing"] == 0, figures
    assert figures["pollers"] == 1, figures  # one process polls Telegram, by its lease
    assert figures["errors"] == [], figures
    # What a message costs, and what shares the cores: every role measured, and at least the record and
    # the turn's transaction a message in the database.
    assert set(figures["cpu_ms_per_msg"]) == {"web", "worker", "bench_client", "postgres"}, figures
    assert figures["cpu_ms_per_msg"]["web"] > 0 and figures["cpu_ms_per_msg"]["worker"] > 0, figures
    assert figures["db_xacts_per_msg"] is not None and figures["db_xacts_per_msg"] >= 2, figures


async def test_a_web_process_stopped_under_load_answers_no_5xx_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SIGTERM to each web process in turn while the chats keep writing (as a deploy does): a stopping
    # process closes its port first (the client's retry goes to the other process), answers the webhooks
    # it has already read, and only then stops its runtime. Before that order it closed its runtime first
    # and answered what still came in with 503.
    url = make_url(PG_ADMIN_URL).set(database=f"helpdesk_test_{os.getpid()}_cluster_stop")
    monkeypatch.setenv("HELPDESK_BENCH_CLUSTER_PG_URL", url.render_as_string(hide_password=False))

    figures = await run_cluster(
        apps=2,
        workers=1,
        # 40 s of load: the restarts begin after the KB edit is seen everywhere (a fifth of the way in,
        # plus seconds on a loaded machine), and the first SIGTERM must come while messages are due.
        chats=40,
        per_chat=2,
        rate=2.0,
        gap_ms=20.0,
        polled_chats=0,
        settle_s=60.0,
        kill=False,
        redis=False,
        log_dir=tmp_path,
        rolling_restart=True,
    )

    assert figures["rolling_messages"] > 0, figures  # the first SIGTERM came while messages were due
    assert figures["server_errors"] == 0, figures
    assert figures["lost"] == 0, figures
    assert figures["rolling_lost"] == 0, figures
    assert figures["duplicates"] == 0, figures
    assert figures["order_violations"] == 0, figures
    assert figures["errors"] == [], figures
