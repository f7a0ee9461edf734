"""The balancer of docker-compose.yml keeps /metrics off its public side, however the path is spelled.

HAProxy runs the shipped `frontend http` section in front of a small aiohttp app with the web app's routes
that matter here (aiohttp decodes percent-escapes before it routes, as the real app does). A request the
balancer lets through to /metrics would print every chat's volume to anyone on the internet.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from helpdesk.forwarded import parse_trusted, visitor_address

ROOT = Path(__file__).resolve().parents[2]
HAPROXY = ROOT / "deploy" / "haproxy" / "haproxy.cfg"

pytestmark = pytest.mark.skipif(
    shutil.which("haproxy") is None, reason="haproxy is not installed (apt-get install haproxy)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _section(config: str, header: str) -> str:
    """One section of an HAProxy config (from its header line to the next unindented line)."""
    match = re.search(rf"^{re.escape(header)}\n(?:[ \t].*\n|\n)*", config, re.M)
    assert match, f"no `{header}` section in {HAPROXY}"
    return match.group(0)


def _balancer_config(front_port: int, app_port: int) -> str:
    """The shipped defaults and public frontend, with one static replica instead of Docker's DNS."""
    shipped = HAPROXY.read_text()
    defaults = _section(shipped, "defaults").replace("    log global\n", "")
    frontend = _section(shipped, "frontend http")
    assert "bind :8080" in frontend
    frontend = frontend.replace("bind :8080", f"bind 127.0.0.1:{front_port}")
    return (
        f"global\n    maxconn 256\n\n{defaults}\n{frontend}\n"
        f"backend app\n    server app1 127.0.0.1:{app_port}\n"
    )


async def _raw_get(port: int, path: str, extra: str = "") -> int:
    """GET `path` exactly as written (no client normalises or re-encodes it); the status."""
    return (await _raw_exchange(port, path, extra))[0]


async def _raw_exchange(
    port: int, path: str, extra: str = "", source: str = "127.0.0.1"
) -> tuple[int, bytes]:
    """GET `path` as written, with `extra` header lines, from address `source`; the status and the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    head = f"GET {path} HTTP/1.1\r\nHost: helpdesk.example\r\n{extra}Connection: close\r\n\r\n"
    writer.write(head.encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.fixture
async def balancer(tmp_path: Path) -> AsyncIterator[tuple[int, list[str]]]:
    """(the balancer's port, the paths the replica was asked for)."""
    reached: list[str] = []

    async def metrics(request: web.Request) -> web.Response:
        reached.append(request.path)
        return web.Response(text="helpdesk_messages_in_total 1\n")

    async def healthz(request: web.Request) -> web.Response:
        reached.append(request.path)
        return web.json_response({"status": "ok"})

    async def whoami(request: web.Request) -> web.Response:
        reached.append(request.path)
        lines = request.headers.getall("X-Forwarded-For", [])
        return web.Response(text=visitor_address(request.remote, lines, parse_trusted("127.0.0.1")) or "")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/whoami", whoami)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    app_port = runner.addresses[0][1]
    front_port = _free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(_balancer_config(front_port, app_port))
    proc = await asyncio.create_subprocess_exec(
        "haproxy", "-db", "-f", str(config), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        for _ in range(100):
            try:
                await _raw_get(front_port, "/healthz")
                break
            except (OSError, IndexError, TimeoutError):
                await asyncio.sleep(0.1)
        else:
            proc.kill()
            out = (await proc.communicate())[0].decode(errors="replace")
            pytest.fail(f"haproxy did not start:\n{out}")
        reached.clear()
        yield front_port, reached
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
        await runner.cleanup()


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/metrics?x=1",
        "/%6detrics",
        "/%6Detrics",
        "/%2Fmetrics",
        "/m%65trics",
        "/%6d%65%74%72%69%63%73",
    ],
)
async def test_the_public_side_never_reaches_metrics(balancer: tuple[int, list[str]], path: str) -> None:
    port, reached = balancer
    assert await _raw_get(port, path) == 404
    assert "/metrics" not in reached  # the replica was never asked


async def test_the_public_side_still_reaches_the_app(balancer: tuple[int, list[str]]) -> None:
    port, reached = balancer
    assert await _raw_get(port, "/healthz") == 200
    assert reached == ["/healthz"]


async def test_the_replica_learns_the_visitors_address_and_not_what_the_visitor_wrote(
    balancer: tuple[int, list[str]],
) -> None:
    """`option forwardfor`: the app's per-address limits key on the visitor, not on the balancer (with
    TRUSTED_PROXIES naming it); an X-Forwarded-For the visitor sent is kept on the left and not believed."""
    port, _reached = balancer
    # The visitor connects from 127.0.0.2; the balancer reaches the replica from 127.0.0.1 (trusted).
    status, body = await _raw_exchange(port, "/whoami", "X-Forwarded-For: 198.51.100.77\r\n", "127.0.0.2")
    assert status == 200
    assert body.decode() == "127.0.0.2"
