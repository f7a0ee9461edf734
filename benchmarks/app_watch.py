"""Watching a process a benchmark started: its CPU seconds from /proc, and when its web app answers /healthz.
Shared by the benchmarks that run the app as its own process (`dialogue`, `alerts`, `cluster`)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import aiohttp
import click


def cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) a process has used so far; None where /proc is not there."""
    return _cpu_s_of(Path(f"/proc/{pid}/stat"))


def loop_cpu_s(pid: int) -> float | None:
    """CPU seconds the app's main thread (its event loop, holding the GIL) has used so far; the rest of the
    process's CPU is its other threads (the KB's and the NLU's models, which mostly run without the GIL)."""
    return _cpu_s_of(Path(f"/proc/{pid}/task/{pid}/stat"))


def postgres_cpu_s() -> float | None:
    """CPU seconds all of this machine's PostgreSQL processes have used so far (whatever database they
    serve: on a shared machine other work counts too); None where /proc is not there."""
    total = 0.0
    try:
        pids = [p.name for p in Path("/proc").iterdir() if p.name.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
                continue
        except OSError:
            continue
        total += cpu_s(int(pid)) or 0.0
    return total


def _cpu_s_of(stat: Path) -> float | None:
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_healthy(
    base: str, proc: subprocess.Popen[bytes], timeout_s: float, every_s: float = 0.3
) -> None:
    """Return once `base`/healthz answers 200; a click error when `proc` exits first or time runs out."""
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise click.ClickException(f"the app exited with code {proc.returncode}; see its log")
            try:
                async with http.get(f"{base}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(every_s)
    raise click.ClickException(f"the app did not answer /healthz within {timeout_s:.0f} s")
