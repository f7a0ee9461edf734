"""`helpdesk bench first-start`: `make run` on a fresh clone, timed to the first chat answer (#18: <= 150 s).

It clones a checkout's committed HEAD into a temporary folder, runs `make run` there on a free port (its
own .venv, SQLite file and NLU model: nothing of the checkout's is reused, only the machine's package
caches, as on any machine that installed Python packages before), sends a question to the demo web chat
as soon as the app listens, and waits for the bot's answer. It prints how long each part took, with the
load average beside it, then stops the app and removes the clone.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

from benchmarks.fault_processes import free_port

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "не печатает принтер"


def _post(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def _bot_answers(base: str, chat: str) -> list[str]:
    url = f"{base}/webchat/api/client/messages?chat_id={chat}&after=0&wait=5"
    with urllib.request.urlopen(url, timeout=30) as response:
        data = json.loads(response.read())
    return [str(m.get("text") or "") for m in data.get("messages", []) if m.get("from") == "bot"]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop `make run` and everything it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def measure(repo: Path, timeout_s: float, keep: bool) -> dict[str, Any]:
    """Clone `repo`, run `make run` and time it to the first answer; the figures as a dict."""
    work = Path(tempfile.mkdtemp(prefix="hd-first-start-"))
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", str(repo), str(clone)], check=True)
    commit = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PORT": str(port)}
    env.pop("VIRTUAL_ENV", None)
    log = (work / "make-run.log").open("wb")
    result: dict[str, Any] = {"commit": commit, "load_before": [round(x, 1) for x in os.getloadavg()]}
    started = time.monotonic()
    proc = subprocess.Popen(
        ["make", "run"], cwd=clone, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        sent = False
        chat = "bench-first-start"
        while time.monotonic() - started < timeout_s:
            if proc.poll() is not None:
                raise click.ClickException(
                    f"make run ended with {proc.returncode}; see {work / 'make-run.log'}"
                )
            if "setup_s" not in result and (clone / ".venv" / ".installed").exists():
                result["setup_s"] = round(time.monotonic() - started, 1)
            try:
                if not sent:
                    body = {"chat_id": chat, "client_msg_id": "m1", "text": QUESTION, "lang": "ru"}
                    if _post(f"{base}/webchat/api/client/send", body) == 200:
                        sent = True
                        result["listening_s"] = round(time.monotonic() - started, 1)
                if sent and _bot_answers(base, chat):
                    result["first_answer_s"] = round(time.monotonic() - started, 1)
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.5)
        else:
            raise click.ClickException(f"no answer within {timeout_s:.0f} s; see {work / 'make-run.log'}")
        result["load_after"] = [round(x, 1) for x in os.getloadavg()]
        return result
    finally:
        _stop(proc)
        log.close()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def register(bench: click.Group) -> None:
    """Attach `first-start` to the `helpdesk bench` group."""

    @bench.command("first-start")
    @click.option("--repo", type=click.Path(path_type=Path), default=ROOT, show_default=True)
    @click.option("--timeout", "timeout_s", default=900.0, show_default=True)
    @click.option("--keep", is_flag=True, help="Keep the clone and make run's log.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def first_start(repo: Path, timeout_s: float, keep: bool, as_json: bool) -> None:
        """Seconds from `make run` on a fresh clone of --repo's HEAD to the first chat answer."""
        result = measure(repo, timeout_s, keep)
        if as_json:
            click.echo(json.dumps(result))
        else:
            for key, value in result.items():
                click.echo(f"{key}: {value}")
