"""The shipped Grafana dashboard and Prometheus alerts (deploy/) query only metrics that a running web
process and a running worker export at /metrics, over HTTP as Prometheus scrapes them."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from aiohttp import web

from benchmarks.deploy_metrics import missing_from, named_metrics
from helpdesk.cli.app_commands import serve_worker_http
from helpdesk.runtime import build_runtime
from helpdesk.settings import Settings
from helpdesk.web import build_web_app


async def _scrape(url: str) -> str:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        assert resp.status == 200
        return await resp.text()


async def test_every_metric_the_dashboard_and_alerts_name_is_served(
    db_url: str, unused_tcp_port_factory: object
) -> None:
    web_port, worker_port = unused_tcp_port_factory(), unused_tcp_port_factory()  # type: ignore[operator]
    settings = Settings(_env_file=None, database_url=db_url, kb_embedder="none", kb_cache_dir=None)  # type: ignore[call-arg]
    rt = await build_runtime(settings, load_nlu=False)
    runner = web.AppRunner(build_web_app(rt))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", web_port).start()
    assert rt.metrics is not None
    worker = await serve_worker_http(rt, "127.0.0.1", worker_port)
    try:
        web_page = await _scrape(f"http://127.0.0.1:{web_port}/metrics")
        worker_page = await _scrape(f"http://127.0.0.1:{worker_port}/metrics")
    finally:
        await worker.cleanup()
        await runner.cleanup()
        await rt.close()
    assert len(named_metrics()) >= 20  # the dashboard and alerts were read
    assert missing_from(web_page) == []
    assert missing_from(worker_page) == []


async def test_the_workers_healthz_reports_each_dependency(
    db_url: str, unused_tcp_port_factory: object
) -> None:
    """The worker's /healthz is the web app's check, not a constant "ok": Redis away shows (degraded, 200)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    port = unused_tcp_port_factory()  # type: ignore[operator]
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=db_url,
        redis_url=f"redis://127.0.0.1:{closed}/0",
        kb_embedder="none",
        kb_cache_dir=None,
    )
    rt = await build_runtime(settings, load_nlu=False)
    worker = await serve_worker_http(rt, "127.0.0.1", port)
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as resp:
            status, body = resp.status, await resp.json()
    finally:
        await worker.cleanup()
        await rt.close()
    assert status == 200
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "down"
    assert "pending" in body["checks"]["outbox"]


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('histogram_quantile(0.99, sum by (le) (rate(a_bucket{job=~"x-.*"}[5m])))', {"a_bucket"}),
        ("max by (instance) (b - c) >= 0 and on (instance) d > 1e3", {"b", "c", "d"}),
        ('sum(rate(e_total[1m])) / sum(rate(f_total{k="rate(g)"}[1m])) offset 5m', {"e_total", "f_total"}),
    ],
)
def test_metric_names_are_read_from_promql(expr: str, names: set[str]) -> None:
    from benchmarks.deploy_metrics import metric_names

    assert metric_names(expr) == names


def test_a_renamed_metric_is_reported_missing() -> None:
    page = (
        "# HELP helpdesk_inbox_backlog x\n# TYPE helpdesk_inbox_backlog gauge\nhelpdesk_inbox_backlog 0.0\n"
    )
    missing = missing_from(page)
    assert "helpdesk_inbox_backlog" not in missing and "helpdesk_outbox_backlog" in missing
