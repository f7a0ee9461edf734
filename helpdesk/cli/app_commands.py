"""`helpdesk run | migrate | demo-data`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from typing import TYPE_CHECKING

import click

from helpdesk.cli import main
from helpdesk.event_loop import loop_name, run_service
from helpdesk.logging_setup import setup_logging
from helpdesk.preflight import check_database, check_secret_key, check_sla_config
from helpdesk.settings import Settings, get_settings

if TYPE_CHECKING:
    from aiohttp import web

    from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

# How long a stopping web process waits for its requests in flight, below docker-compose's 30 s
# stop_grace_period so that the runtime still has time to finish its turns before the SIGKILL.
WEB_DRAIN_S = 20.0
# A worker's inbox loop takes rows due this long ago: a web process takes them sooner (its record, the
# holder told by NOTIFY, its own 0.5 s loop); the worker's loop is the net for what they leave.
WORKER_INBOX_BEHIND_S = 2.0


@main.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic upgrade head)."""
    from storage.migrate import current, upgrade

    settings = get_settings()
    check_database(settings)
    where = _safe_url(settings.database_url)

    async def run() -> tuple[str | None, str | None]:
        before = await current(settings.database_url)
        await upgrade(settings.database_url)
        return before, await current(settings.database_url)

    before, after = asyncio.run(run())
    if before is None:
        click.echo(f"database created (schema {after}): {where}")
    elif before != after:
        click.echo(f"database upgraded from schema {before} to {after}: {where}")
    else:
        click.echo(f"database already up to date (schema {after}): {where}")


@main.command("demo-data")
@click.option("--kb/--no-kb", "with_kb", default=True, help="Also import the demo knowledge base.")
@click.option(
    "--billing/--no-billing",
    "with_billing",
    default=True,
    help="Also the price list, the clients' money terms and this month's charged jobs and payments.",
)
def demo_data(with_kb: bool, with_billing: bool) -> None:
    """Load the demo company: clients, sites, contracts, engineers, a supervisor, an admin, the KB and money."""
    from helpdesk.demo.seed import seed_demo

    settings = get_settings()
    check_database(settings)
    counts = asyncio.run(seed_demo(settings, with_kb=with_kb, with_billing=with_billing))
    click.echo("demo data loaded: " + json.dumps(counts, ensure_ascii=False))


@main.command()
@click.option("--host", default=None, help="Bind address (default from HOST).")
@click.option("--port", type=int, default=None, help="Port (default from PORT).")
@click.option("--worker/--no-worker", default=True, help="Run the delivery loop and timers in this process.")
def run(host: str | None, port: int | None, worker: bool) -> None:
    """Start the web app (web chat, webhooks), the worker loop and the Telegram bots when tokens are set."""
    settings = _checked_settings()
    setup_logging(settings.log_format)
    run_service(_serve(settings, host, port, worker), settings.event_loop)


def _checked_settings() -> Settings:
    """The settings of `run` and `worker`, checked before anything is logged or started.

    Raises:
        ConfigError: a bad setting, an unsafe SECRET_KEY, a bad SLA file, an unreachable database or
            EVENT_LOOP=uvloop without uvloop; the
            `helpdesk` group prints it in one line and exits 2.
    """
    settings = get_settings()
    check_secret_key(settings)
    check_sla_config(settings)
    check_database(settings)
    loop_name(settings.event_loop)
    return settings


async def _serve(settings: Settings, host: str | None, port: int | None, worker: bool) -> None:
    from aiohttp import web

    from helpdesk.heap import freeze_startup_heap
    from helpdesk.runtime import build_runtime
    from helpdesk.web import build_web_app

    rt = await build_runtime(settings)
    app = build_web_app(rt)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=WEB_DRAIN_S)
    await runner.setup()
    bind_host, bind_port = host or settings.host, port or settings.port
    await web.TCPSite(runner, bind_host, bind_port).start()
    await rt.start(worker=worker)
    freeze_startup_heap()
    bots = ", ".join(f"telegram/{c.bot_kind}" for c in rt.telegram) or "no Telegram tokens set"
    log.info(
        "Helpdesk is up: http://%s:%s (client chat), /staff (staff chat); %s; %s loop",
        bind_host,
        bind_port,
        bots,
        loop_name(settings.event_loop),
    )
    try:
        await _until_signalled()
    finally:
        log.info("shutting down")
        await _stop_in_order(runner, rt)


async def _stop_in_order(runner: web.AppRunner, rt: Runtime) -> None:
    """Stop a web process without a 5xx: first the doors, then the rooms.

    `runner.cleanup()` closes the listening sockets (the balancer's next connection goes to another
    process), closes idle keep-alive connections, ends the web chat's long polls and waits up to
    `WEB_DRAIN_S` for the requests in flight, each of which still has the whole runtime behind it (a
    webhook waits for its row's first attempt). Only then does the runtime stop its turns and close its
    pool. The other order answered the webhooks still arriving with 503 once the pool was closed.
    """
    await runner.cleanup()
    await rt.close()


def _safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command()
def worker() -> None:
    """Run only the background work: inbox retries, outbox delivery, timers and Telegram polling (no web)."""
    settings = _checked_settings()
    setup_logging(settings.log_format)
    run_service(_work(settings), settings.event_loop)


async def _work(settings: Settings) -> None:
    from helpdesk.heap import freeze_startup_heap
    from helpdesk.runtime import build_runtime

    rt = await build_runtime(settings)
    # The web processes take the turns; this loop is the net for what they leave (Inbox.run).
    await rt.start(worker=True, inbox_behind_s=WORKER_INBOX_BEHIND_S)
    freeze_startup_heap()
    metrics = None
    if settings.metrics_port:
        metrics = await serve_worker_http(rt, settings.host, settings.metrics_port)
    log.info(
        "Helpdesk worker is up%s",
        f"; /metrics on http://{settings.host}:{settings.metrics_port}" if metrics is not None else "",
    )
    try:
        await _until_signalled()
    finally:
        await rt.close()
        if metrics is not None:
            await metrics.cleanup()


async def serve_worker_http(rt: Runtime, host: str, port: int) -> web.AppRunner:
    """The worker's /metrics and /healthz (the same per-dependency check as the web app's) on `port`."""
    from helpdesk.health import make_healthz
    from helpdesk.metrics import serve_metrics

    return await serve_metrics(rt.metrics, host, port, make_healthz(rt.db, rt.sessions, rt.uows.redis))


async def _until_signalled() -> None:
    """Wait until the process is asked to stop (Ctrl-C or SIGTERM)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
