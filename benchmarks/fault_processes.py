"""The processes `bench faults` runs and breaks: the web app, the worker and a Redis server of its own."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg
from sqlalchemy.engine import make_url


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RedisServer:
    """A redis-server on a free port, without persistence, that can be stopped and started again."""

    port: int = field(default_factory=free_port)
    folder: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="hd-faults-redis-"))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The REDIS_URL of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it takes connections.

        Raises:
            RuntimeError: redis-server is not installed or did not start.
        """
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*args, "--dir", self.folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start within 10 s")

    def stop(self) -> None:
        """Kill the server (SIGKILL: as a crash, nothing is saved)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class AppProcess:
    """One `helpdesk` process (the web app or the worker) with its own log file."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_dir: Path
    ready_line: str | None = None  # a log line that says it is up (the worker), else /healthz (web)
    health_url: str | None = None
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def spawn(self) -> None:
        """Start the process (its output goes to <log_dir>/<name>-<n>.log)."""
        self.starts += 1
        log = (self.log_dir / f"{self.name}-{self.starts}.log").open("wb")
        cmd = [sys.executable, "-m", "helpdesk.cli", *self.args]
        self.process = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    @property
    def log_path(self) -> Path:
        """The log file of the current run."""
        return self.log_dir / f"{self.name}-{self.starts}.log"

    async def wait_ready(self, timeout_s: float = 600) -> None:
        """Wait until the process is up: its /healthz answers, or its ready line is in its log.

        Raises:
            RuntimeError: it exited or did not come up in time.
        """
        deadline = time.monotonic() + timeout_s
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    tail = self.log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{tail}")
                if self.ready_line is not None:
                    if self.ready_line in self.log_path.read_text(errors="replace"):
                        return
                elif self.health_url is not None:
                    try:
                        async with http.get(self.health_url) as resp:
                            if resp.status == 200:
                                return
                    except aiohttp.ClientError:
                        pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} did not come up within {timeout_s:.0f} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: the process dies mid-work, as in a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def terminate(self) -> None:
        """Ask the process to stop cleanly; kill it after 30 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


async def terminate_connections(database_url: str) -> int:
    """Terminate every other connection to the database of `database_url` (as a failover would); count them."""
    parsed = make_url(database_url)
    admin = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            parsed.database,
        )
    finally:
        await conn.close()
    return len(rows)
