"""docker-compose.yml stays true to the settings: no Docker engine is needed to check it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import yaml

from helpdesk.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTING_NAMES = {name.upper() for name in Settings.model_fields}


def test_services_exist() -> None:
    assert {"postgres", "redis", "app", "worker", "migrate"} <= set(COMPOSE["services"])


def test_app_environment_names_are_settings() -> None:
    for name in ("app", "worker", "migrate"):
        env = COMPOSE["services"][name]["environment"]
        unknown = set(env) - SETTING_NAMES
        assert not unknown, f"{name} sets variables the app does not read: {unknown}"


def test_database_and_redis_point_at_the_compose_services() -> None:
    env = COMPOSE["services"]["app"]["environment"]
    db = urlparse(env["DATABASE_URL"])
    assert db.scheme == "postgresql+asyncpg"
    assert db.hostname == "postgres"
    pg_env = COMPOSE["services"]["postgres"]["environment"]
    assert db.username == pg_env["POSTGRES_USER"] and db.password == pg_env["POSTGRES_PASSWORD"]
    assert db.path.lstrip("/") == pg_env["POSTGRES_DB"]
    assert urlparse(env["REDIS_URL"]).hostname == "redis"


def test_settings_accept_the_compose_environment(monkeypatch) -> None:
    for key, value in COMPOSE["services"]["app"]["environment"].items():
        monkeypatch.setenv(key, str(value) if "${" not in str(value) else "")
    settings = Settings(_env_file=None)
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.port == 8080
    assert settings.kb_index_backend in ("memory", "pgvector")
    assert settings.nlu_backend in ("embedded", "rasa")


def test_app_publishes_the_configured_port() -> None:
    app = COMPOSE["services"]["app"]
    assert "8080:8080" in app["ports"]
    assert app["environment"]["PORT"] == "8080"


def test_commands_are_cli_commands() -> None:
    from click.testing import CliRunner

    from helpdesk.cli import main

    names = set(main.commands)
    for name in ("app", "worker"):
        command = COMPOSE["services"][name]["command"]
        assert command[0] == "helpdesk" and command[1] in names
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0


def test_rasa_service_is_documented() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert "# rasa:" in text and "rasa/rasa:3.6" in text
