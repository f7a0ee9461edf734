"""`helpdesk bench billing` runs small on SQLite and prints its figures as JSON."""

from __future__ import annotations

import json

from click.testing import CliRunner

from helpdesk.cli import main


def test_bench_billing_prints_its_figures() -> None:
    result = CliRunner().invoke(
        main, ["bench", "billing", "--sqlite", "--clients", "4", "--tickets", "60", "--reads", "20", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["clients"] == 4 and figures["tickets"] == 60 and figures["backend"] == "sqlite"
    assert figures["ledger_rows"] > 60 and figures["act_pages"] >= 4
    assert figures["acts_s"] > 0 and figures["balance_read_ms_p95"] > 0 and len(figures["load"]) == 3
