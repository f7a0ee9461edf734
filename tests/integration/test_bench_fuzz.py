"""`helpdesk bench fuzz` in small: malformed requests against every way into the app get no 500."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from benchmarks.fuzz import Known, make_probe, rotation_for
from helpdesk.cli import main


@pytest.mark.slow
def test_a_small_fuzz_finds_no_server_error_and_no_crash() -> None:
    result = CliRunner().invoke(main, ["bench", "fuzz", "--requests", "300", "--json", "--verbose"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data == {"requests": 300, "server_errors": 0, "crashes": 0}, result.stderr


def test_the_requests_are_the_same_for_the_same_seed() -> None:
    known = Known("hd_token", endpoints=[("GET", "/api/tickets", {}), ("POST", "/api/tickets", {})])
    known.login_csrf = "csrf"
    rotation = rotation_for(known)
    first = [make_probe(7, i, known, rotation) for i in range(200)]
    again = [make_probe(7, i, known, rotation) for i in range(200)]
    other = [make_probe(8, i, known, rotation) for i in range(200)]
    assert first == again
    assert first != other
    targets = {p.target.split(":")[0] for p in first}
    assert targets == {"telegram", "whatsapp", "admin", "webchat", "api"}
