"""`helpdesk bench fuzz`: generated malformed requests against every way into the app; none may be a 500.

The app runs in this process (in a thread with its own event loop, so a handler that blocks shows up as
a timeout) on a fresh database with the demo company, with both Telegram bots in webhook mode, WhatsApp,
the web chat, the REST API and the web admin. Nothing is delivered: the platform APIs point at a closed
local port and no worker runs, because only the answers to the requests are measured.

Each request is generated from its own seeded random generator (`--seed` and its index), so a run can be
repeated and a failing request found again with `--verbose`. The targets take turns: the Telegram client
and staff webhooks (with the right secret), the WhatsApp webhook (signed with the app secret) and its
verification, every REST endpoint listed by /api/openapi.json (with a token holding every scope), the admin
login form and the web chat endpoints. A request starts from a well-formed one and is broken: nested
deeper than any limit, made huge or very wide, given NUL and other control characters, lone surrogates,
odd or unknown charsets, wrong JSON types, unknown fields, numbers beyond 64 bits or NaN, invalid UTF-8,
an empty body, random bytes, a truncated body, a chunked body.

It prints `{"requests": N, "server_errors": E, "crashes": C}`: `server_errors` counts answers >= 500;
`crashes` counts requests that got no answer (connection errors, timeouts, the server gone) and exceptions
the app logged while handling them (an unhandled error behind an answer that still looked fine).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import click
from aiohttp.http_exceptions import BadHttpMessage
from yarl import URL

from benchmarks.fault_processes import free_port
from benchmarks.fuzz_chats import (
    telegram_probe,
    webchat_probe,
    whatsapp_probe,
)
from benchmarks.fuzz_pieces import (
    SECRET_KEY,
    TG_CLIENT_TOKEN,
    TG_SECRET,
    TG_STAFF_TOKEN,
    WA_PHONE_ID,
    WA_SECRET,
    WA_VERIFY,
    Known,
    Probe,
)
from benchmarks.fuzz_web import (
    admin_probe,
    api_probe,
)
from helpdesk.cli.bench import bench

REQUEST_TIMEOUT_S = 60.0
EARLY_CLOSE_BYTES = 512 * 1024
"""A body this large may be refused before it is read, and the server may then close the connection while
the client is still sending (RFC 9112 allows it): a reset then is an answer, not a crash."""


def make_probe(seed: int, index: int, known: Known, rotation: list[str]) -> Probe:
    """The request number `index` of a run with `seed` (the same every time for the same arguments)."""
    rng = random.Random(f"helpdesk-fuzz:{seed}:{index}")
    target = rotation[index % len(rotation)]
    if target == "telegram:client":
        return telegram_probe(rng, index, "client")
    if target == "telegram:staff":
        return telegram_probe(rng, index, "staff")
    if target == "whatsapp":
        return whatsapp_probe(rng, index)
    if target == "admin":
        return admin_probe(rng, known)
    if target == "webchat":
        return webchat_probe(rng, index)
    endpoint = known.endpoints[int(target.split(":", 1)[1])]
    return api_probe(rng, known, endpoint)


def rotation_for(known: Known) -> list[str]:
    """The order targets take turns in: every API endpoint once, the webhooks and chats more often."""
    turns = (
        ["telegram:client"] * 4 + ["telegram:staff"] * 2 + ["whatsapp"] * 4 + ["admin"] * 2 + ["webchat"] * 4
    )
    turns += [f"api:{i}" for i in range(len(known.endpoints))]
    random.Random(0).shuffle(turns)
    return turns


# --- the app and the run -----------------------------------------------------------------------------


class _Errors(logging.Handler):
    """Keeps what the app logged with an exception: an unhandled error, whatever the answer was."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        # aiohttp logs the HTTP messages it refuses itself (a request line over 8 KB, a header with a NUL):
        # the client got a 400; raised inside a handler instead, the answer is a 500 and counted as one.
        if exc is not None and not isinstance(exc, BadHttpMessage):
            self.records.append(record)


class _Server:
    """The app on a free port, in a thread of its own with its own event loop."""

    def __init__(self, url: str, tmp: Path) -> None:
        self.url = url
        self.tmp = tmp
        self.port = 0
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="fuzz-app", daemon=True)

    def settings(self) -> Any:
        from helpdesk.settings import Settings

        closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: nothing is delivered
        values: dict[str, Any] = {
            "database_url": self.url,
            "secret_key": SECRET_KEY,
            "public_url": "https://fuzz.invalid",
            "kb_embedder": "none",
            "kb_cache_dir": None,
            "telegram_client_token": TG_CLIENT_TOKEN,
            "telegram_staff_token": TG_STAFF_TOKEN,
            "telegram_api_base": closed,
            "telegram_webhook_secret": TG_SECRET,
            "telegram_set_webhook": False,
            "telegram_rate_limits": False,
            "whatsapp_phone_number_id": WA_PHONE_ID,
            "whatsapp_access_token": "fuzz-access-token",
            "whatsapp_app_secret": WA_SECRET,
            "whatsapp_verify_token": WA_VERIFY,
            "whatsapp_api_base": closed,
            "webchat_upload_dir": self.tmp / "uploads",
            "webchat_poll_timeout_s": 1.0,
            "api_rate_per_s": 1_000_000.0,
            "api_rate_burst": 1_000_000,
        }
        # The demo web chat takes the chat id from the request, so more of its parsing is reached.
        if "webchat_demo" in Settings.model_fields:
            values["webchat_demo"] = True
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    def start(self, timeout_s: float = 120.0) -> str:
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise click.ClickException(f"the app did not start within {timeout_s:.0f} s")
        if self.error is not None:
            raise click.ClickException(f"the app did not start: {self.error!r}")
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as e:  # reported by start(), or counted as a crash
            self.error = e
            self._ready.set()

    async def _serve(self) -> None:
        from aiohttp import web

        from helpdesk.runtime import build_runtime
        from helpdesk.web import build_web_app

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        rt = await build_runtime(self.settings(), nlu=None, load_nlu=False)
        runner = web.AppRunner(build_web_app(rt), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self.port = runner.addresses[0][1]
        try:
            await rt.start(worker=False, polling=False)
            self._ready.set()
            await self._stop.wait()
        finally:
            await rt.close()
            await runner.cleanup()


async def _prepare(db: str, tmp: Path) -> str:
    from helpdesk.demo.seed import seed_demo
    from helpdesk.settings import Settings
    from storage.migrate import upgrade

    if db == "postgres":
        from benchmarks.db import bench_pg_url, fresh_pg_database

        url = await fresh_pg_database(
            bench_pg_url(
                os.environ.get("HELPDESK_BENCH_PG_URL")
                or "postgresql+asyncpg://postgres@127.0.0.1:5432/helpdesk_bench_fuzz"
            )
        )
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'fuzz.db'}"
        await upgrade(url)
    await seed_demo(Settings(_env_file=None, database_url=url, kb_embedder="none"))  # type: ignore[call-arg]
    return url


async def _make_token(url: str) -> str:
    """An API token with every scope, stored as the CLI stores one."""
    from helpdesk.api.tokens import ALL_SCOPES, hash_token, new_token
    from storage.api_tokens import ApiTokenRecord, SqlApiTokenRepository
    from storage.db import make_engine, make_sessionmaker

    token = new_token()
    record = ApiTokenRecord(
        id=uuid.uuid4().hex,
        name="bench-fuzz",
        token_hash=hash_token(token),
        scopes=tuple(str(s) for s in ALL_SCOPES),
        created_at=datetime.now(UTC),
        created_by="bench-fuzz",
    )
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            await SqlApiTokenRepository(session).add(record)
            await session.commit()
    finally:
        await engine.dispose()
    return token


async def _discover(http: aiohttp.ClientSession, base: str, token: str) -> Known:
    """Read the OpenAPI document and a few ids that exist, and the admin login form's token."""
    known = Known(token)
    auth = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{base}/api/openapi.json") as resp:
        if resp.status != 200:
            raise click.ClickException(f"GET /api/openapi.json answered {resp.status}")
        doc = await resp.json()
    known.schemas = doc.get("components", {}).get("schemas", {})
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            known.endpoints.append((method.upper(), path, op))

    async def items(path: str) -> list[dict[str, Any]]:
        async with http.get(f"{base}{path}", headers=auth) as resp:
            return list((await resp.json()).get("items", [])) if resp.status == 200 else []

    known.numbers = [str(t["number"]) for t in await items("/api/tickets?limit=5")] or known.numbers
    known.clients = [str(c["id"]) for c in await items("/api/clients?limit=5")] or known.clients
    known.articles = [str(a["id"]) for a in await items("/api/kb/articles?limit=10")]
    known.webhooks = [str(w["id"]) for w in await items("/api/webhooks")]
    async with http.get(f"{base}/admin/login", allow_redirects=False) as resp:
        match = re.search(r'name="csrf"\s+value="([^"]+)"', await resp.text())
        known.login_csrf = match.group(1) if match else ""
    async with http.get(f"{base}/", allow_redirects=False) as resp:
        await resp.read()  # the web chat page: a visitor session cookie, when the app gives one
    return known


@dataclass
class Outcome:
    """What one probe got."""

    index: int
    probe: Probe
    status: int | None
    error: str | None = None
    early_close: bool = False


async def _send(http: aiohttp.ClientSession, base: str, index: int, probe: Probe) -> Outcome:
    url = URL(base + probe.path, encoded=True)
    headers = dict(probe.headers)
    skip = () if "Content-Type" in headers else ("Content-Type",)
    data: Any = probe.body
    if probe.chunked and probe.body is not None:
        data = _chunks(probe.body)
    try:
        async with http.request(
            probe.method, url, data=data, headers=headers, skip_auto_headers=skip, allow_redirects=False
        ) as resp:
            await resp.read()
            return Outcome(index, probe, resp.status)
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as e:
        if len(probe.body or b"") >= EARLY_CLOSE_BYTES:
            return Outcome(index, probe, None, f"{type(e).__name__}: {e}", early_close=True)
        return Outcome(index, probe, None, f"{type(e).__name__}: {e}")
    except TimeoutError:
        return Outcome(index, probe, None, f"no answer within {REQUEST_TIMEOUT_S:.0f} s")
    except aiohttp.ClientError as e:
        return Outcome(index, probe, None, f"{type(e).__name__}: {e}")


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start : start + 64 * 1024]


async def _drive(
    base: str, token: str, requests: int, seed: int, concurrency: int
) -> tuple[Known, list[Outcome]]:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=concurrency + 2)
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1: the admin login token, a visitor session
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=jar) as http:
        known = await _discover(http, base, token)
        rotation = rotation_for(known)
        queue = iter(range(requests))
        outcomes: list[Outcome] = []

        async def worker() -> None:
            for index in queue:
                probe = make_probe(seed, index, known, rotation)
                outcomes.append(await _send(http, base, index, probe))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        # Still up and answering afterwards: a server that died on the last request counts as a crash.
        health = await _send(http, base, requests, Probe("healthz", "GET", "/healthz"))
        if health.status != 200:
            outcomes.append(
                health if health.status is None else Outcome(requests, health.probe, None, "unhealthy")
            )
    outcomes.sort(key=lambda o: o.index)
    return known, outcomes


def run_fuzz(
    *, requests: int, seed: int, concurrency: int, db: str, report: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Run the fuzz and return `{"requests", "server_errors", "crashes"}`; `report` gets the failures."""
    errors = _Errors()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(errors)
    if root.level > logging.ERROR or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory(prefix="hd-fuzz-") as tmp_name:
            tmp = Path(tmp_name)
            url = asyncio.run(_prepare(db, tmp))
            token = asyncio.run(_make_token(url))
            server = _Server(url, tmp)
            base = server.start()
            try:
                _known, outcomes = asyncio.run(_drive(base, token, requests, seed, concurrency))
            finally:
                died = not server.alive
                server.stop()
    finally:
        root.removeHandler(errors)
        root.setLevel(old_level)
    server_errors = [o for o in outcomes if o.status is not None and o.status >= 500]
    no_answer = [o for o in outcomes if o.status is None and not o.early_close]
    crashes = len(no_answer) + len(errors.records) + int(died)
    if report is not None:
        for o in server_errors + no_answer:
            p = o.probe
            what = o.status if o.status is not None else o.error
            report(f"#{o.index} {p.target} {p.method} {p.path[:160]} -> {what} [{p.kind[:200]}]")
        for record in errors.records:
            exc = record.exc_info[1] if record.exc_info else None
            report(
                f"logged by {record.name}: {record.getMessage()[:200]} ({type(exc).__name__}: {str(exc)[:200]})"
            )
        for o in outcomes:
            if o.early_close:
                report(
                    f"#{o.index} {o.probe.target}: closed while a {len(o.probe.body or b'')}-byte body was sent "
                    f"(refused before reading it; not counted) [{o.error}]"
                )
        if died:
            report("the app's thread ended during the run")
        counts = Counter(o.probe.target.split(":")[0] for o in outcomes)
        report("requests by target: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return {"requests": requests, "server_errors": len(server_errors), "crashes": crashes}


@bench.command("fuzz")
@click.option("--requests", default=5000, show_default=True, help="Malformed requests to send.")
@click.option("--seed", default=15, show_default=True, help="Seed of the generated requests (repeatable).")
@click.option("--concurrency", default=8, show_default=True, help="Requests in flight at once.")
@click.option("--db", type=click.Choice(["sqlite", "postgres"]), default="sqlite", show_default=True)
@click.option("--verbose", is_flag=True, help="Also print a line per failing request and logged exception.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def fuzz_bench(requests: int, seed: int, concurrency: int, db: str, verbose: bool, as_json: bool) -> None:
    """Send generated malformed requests to every webhook, REST endpoint, the admin login and the web chat."""
    report = (lambda line: click.echo(line, err=as_json)) if verbose else None
    result = run_fuzz(requests=requests, seed=seed, concurrency=concurrency, db=db, report=report)
    click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))
