"""docker-compose.yml stays true to the settings: no Docker engine is needed to check it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from helpdesk.config_errors import ConfigError
from helpdesk.preflight import check_secret_key
from helpdesk.settings import DEFAULT_SECRET_KEY, Settings

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
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
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
    for name in ("app", "worker", "migrate"):
        command = COMPOSE["services"][name]["command"]
        assert command[0] == "helpdesk" and command[1] in names
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0


def test_rasa_service_is_documented() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert "# rasa:" in text and "rasa/rasa:3.6" in text


def test_no_service_loads_the_demo_data() -> None:
    # The demo's logins and passwords are public (README); a published port must not serve them.
    for name, service in COMPOSE["services"].items():
        command = service.get("command") or []
        text = command if isinstance(command, str) else " ".join(command)
        assert "demo-data" not in text, f"{name} loads the demo data: {text}"


def test_compose_refuses_to_start_without_a_secret_key() -> None:
    for name in ("app", "worker", "migrate"):
        value = COMPOSE["services"][name]["environment"]["SECRET_KEY"]
        # ${VAR:?message} makes `docker compose` stop with the message when VAR is unset or empty;
        # a default (${VAR:-...}) would start the app with a key everyone knows.
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", value), value
        assert DEFAULT_SECRET_KEY not in value


def compose_settings(monkeypatch: pytest.MonkeyPatch, secret_key: str) -> Settings:
    """The settings the app would read inside compose with SECRET_KEY set to `secret_key`."""
    for key, value in COMPOSE["services"]["app"]["environment"].items():
        monkeypatch.setenv(key, str(value) if "${" not in str(value) else "")
    monkeypatch.setenv("SECRET_KEY", secret_key)
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("secret_key", [DEFAULT_SECRET_KEY, "short"])
def test_the_app_refuses_a_weak_key_in_compose_even_without_public_url(
    monkeypatch: pytest.MonkeyPatch, secret_key: str
) -> None:
    # Compose sets PUBLIC_URL to "" when it is not given; REQUIRE_SECRET_KEY makes the app refuse anyway,
    # since compose publishes the port on every address.
    settings = compose_settings(monkeypatch, secret_key)
    assert not settings.public_url and settings.require_secret_key
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        check_secret_key(settings)


def test_the_app_accepts_a_real_key_in_compose(monkeypatch: pytest.MonkeyPatch) -> None:
    check_secret_key(compose_settings(monkeypatch, "x7Gq2pL9vR4tZ8wK1mN6bC3d"))
