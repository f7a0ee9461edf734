"""docker-compose.yml stays true to the settings: no Docker engine is needed to check it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from ipaddress import ip_address, ip_network
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
HAPROXY = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "helpdesk.json"


def _mounts(service: str) -> dict[str, str]:
    """Container path -> repository path of a service's bind mounts (that exist in the repository)."""
    found = {}
    for volume in COMPOSE["services"][service].get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            assert (ROOT / source).exists(), f"{service} mounts {source}, which is not in the repository"
            found[target] = source[2:]
    return found


def test_services_exist() -> None:
    assert {"postgres", "redis", "app", "worker", "migrate", "lb", "prometheus", "grafana"} <= set(
        COMPOSE["services"]
    )


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


def test_the_balancer_is_the_way_in_and_app_replicas_publish_nothing() -> None:
    # `--scale app=3`: replicas that published a host port would fight over it.
    services = COMPOSE["services"]
    app = services["app"]
    smtp_port = app["environment"]["SMTP_LISTEN"].rpartition(":")[2]
    assert "ports" not in app and app["expose"] == [app["environment"]["PORT"], smtp_port]
    assert services["lb"]["ports"] == ["8080:8080", f"{smtp_port}:{smtp_port}"]
    assert services["lb"]["image"].startswith("haproxy:")  # the official image
    mounts = _mounts("lb")
    assert mounts["/usr/local/etc/haproxy/haproxy.cfg"] == "deploy/haproxy/haproxy.cfg"
    config = HAPROXY.read_text()
    assert "bind :8080" in config
    assert re.search(rf"server-template app \d+ app:{app['environment']['PORT']} check", config)
    assert "option httpchk GET /healthz" in config
    # The app believes the balancer's X-Forwarded-For (and nobody else's): the lb's fixed address is trusted.
    assert "option forwardfor" in config
    lb_address = services["lb"]["networks"]["default"]["ipv4_address"]
    assert app["environment"]["TRUSTED_PROXIES"] == lb_address
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ip_address(lb_address) in ip_network(subnet)
    # /metrics stays inside, however it is spelled (tests/integration/test_haproxy_public_side.py)
    assert "http-request deny deny_status 404 if { path,url_dec -m beg /metrics }" in config
    # Mail in (docs/email.md): the balancer's SMTP frontend reaches every replica's listener.
    assert f"bind :{smtp_port}" in config
    assert re.search(rf"server-template app \d+ app:{smtp_port} check", config)
    Settings(_env_file=None, smtp_listen=app["environment"]["SMTP_LISTEN"])  # type: ignore[call-arg]


@pytest.mark.skipif(
    shutil.which("haproxy") is None, reason="haproxy is not installed (apt-get install haproxy)"
)
def test_haproxy_accepts_its_config() -> None:
    result = subprocess.run(
        ["haproxy", "-c", "-f", str(HAPROXY)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_app_and_worker_have_health_checks_on_their_own_ports() -> None:
    services = COMPOSE["services"]
    worker_port = services["worker"]["environment"]["METRICS_PORT"]
    for name, port in (("app", services["app"]["environment"]["PORT"]), ("worker", worker_port)):
        check = services[name]["healthcheck"]
        assert f"http://127.0.0.1:{port}/healthz" in " ".join(check["test"]), name
        assert services[name]["stop_grace_period"]  # SIGTERM finishes the turns in flight
    assert services["worker"]["expose"] == [worker_port]
    assert services["lb"]["depends_on"]["app"]["condition"] == "service_healthy"


def test_prometheus_scrapes_every_replica_of_app_and_worker() -> None:
    services = COMPOSE["services"]
    config = yaml.safe_load(PROMETHEUS.read_text())
    targets = {
        (job["job_name"], name, sd["port"])
        for job in config["scrape_configs"]
        for sd in job["dns_sd_configs"]
        for name in sd["names"]
    }
    assert targets == {
        ("helpdesk-web", "app", int(services["app"]["environment"]["PORT"])),
        ("helpdesk-worker", "worker", int(services["worker"]["environment"]["METRICS_PORT"])),
    }
    mounts = _mounts("prometheus")
    assert mounts["/etc/prometheus/prometheus.yml"] == "deploy/prometheus/prometheus.yml"
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
    assert mounts["/etc/prometheus/alerts.yml"] == "deploy/prometheus/alerts.yml"


@pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool is not installed (apt-get install prometheus)"
)
def test_promtool_accepts_the_config_and_the_alerts(tmp_path: Path) -> None:
    # The config names the rule file by its path in the container; promtool reads it next to the config.
    (tmp_path / "alerts.yml").write_text(ALERTS.read_text())
    (tmp_path / "prometheus.yml").write_text(
        PROMETHEUS.read_text().replace("/etc/prometheus/alerts.yml", "alerts.yml")
    )
    result = subprocess.run(
        ["promtool", "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_gets_the_shipped_dashboard_and_the_prometheus_datasource() -> None:
    mounts = _mounts("grafana")
    assert mounts["/etc/grafana/provisioning"] == "deploy/grafana/provisioning"
    assert mounts["/var/lib/grafana/dashboards"] == "deploy/grafana/dashboards"
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/helpdesk.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    source = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    datasource = source["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090" and datasource["type"] == "prometheus"
    dashboard = json.loads(DASHBOARD.read_text())
    used = {t["datasource"]["uid"] for p in dashboard["panels"] for t in p["targets"]}
    assert used == {datasource["uid"]}
    assert all(p["targets"] for p in dashboard["panels"])
    password = COMPOSE["services"]["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
    assert re.fullmatch(r"\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]+\}", password)  # no default admin/admin


def test_monitoring_ports_are_local_only() -> None:
    for name in ("prometheus", "grafana"):
        for mapping in COMPOSE["services"][name]["ports"]:
            assert mapping.startswith("127.0.0.1:"), (name, mapping)


def test_every_process_logs_json_within_the_connection_budget() -> None:
    env = COMPOSE["services"]["app"]["environment"]
    assert env["LOG_FORMAT"] == "json"
    per_process = int(env["DB_POOL_SIZE"]) + int(env["DB_MAX_OVERFLOW"]) + 1  # + the LISTEN connection
    assert 5 * per_process <= 90  # 3 web + 2 workers under PostgreSQL's 100, room for migrations


def test_commands_are_cli_commands() -> None:
    import click
    from click.testing import CliRunner

    from helpdesk.cli import main

    names = set(main.list_commands(click.Context(main)))
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
