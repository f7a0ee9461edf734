"""The benchmark commands run and report what they claim (small sizes; the figures come from full runs)."""

from __future__ import annotations

import json

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
def test_bench_accept_race_finds_no_violation() -> None:
    url = "postgresql+asyncpg://postgres@127.0.0.1:5432/helpdesk_bench_test"
    args = ["bench", "accept-race", "--trials", "5", "--engineers", "10", "--db-url", url, "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == {**data, "trials": 5, "engineers": 10, "violations": 0}
