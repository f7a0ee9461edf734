"""`helpdesk bench faults`: nothing acknowledged is lost while processes, the database, Redis and Telegram fail.

The web app (`helpdesk run --no-worker`, webhook mode) and the worker (`helpdesk worker`: delivery, timers,
inbox retries) run as their own processes on a fresh PostgreSQL database with the demo company, with Redis
(a redis-server of the bench's own, on a free port) and the fake Telegram Bot API of `tests/fakes`. For each
scenario the bench posts a burst of client messages to the webhook as Telegram does (a new chat per message;
an update that does not get 200 is sent again until it does), and in the middle of the burst it breaks one
thing:

- `kill_web`: SIGKILL of the web app, then a new one (a process manager's restart);
- `kill_worker`: SIGKILL of the worker, then a new one;
- `db_terminate`: three rounds of `pg_terminate_backend` on every connection of the app, a second apart;
- `redis_stop`: the Redis server killed for `--redis-down-s`, then started again, empty;
- `telegram_500`: the fake answers 500 to every sendMessage for `--telegram-down-s`.

Then it waits until every chat is answered (or `--settle-s` passes) and counts, from the fake's calls:
`accepted` updates (answered 200), `replied` (their chat got a reply), `lost` (accepted, never replied),
`duplicates` (the same text sent to the same chat more than once), `server_errors` (5xx other than the
honest 503 "not recorded, send again", which Telegram answers by sending the update again) and
`max_recovery_s`: the longest time, counted from when the fault was over (the replacement process up, the
last round done, Redis or Telegram back) or from when the update was accepted if that was later, until its
first reply was delivered.

The fake answers 500 for real seconds, not simulated ones: `--telegram-down-s` (30 by default) is what a
bench can wait; the delivery loop's backoff is capped at 10 s, so a longer outage changes only how many tries
are made, not how soon the chats recover.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import click

from benchmarks.db import bench_pg_url, drop_pg_database, fresh_pg_database, own_database
from benchmarks.fault_processes import AppProcess, RedisServer, free_port, terminate_connections
from helpdesk.demo.loader import DEMO_DIR
from helpdesk.demo.seed import seed_demo
from helpdesk.settings import Settings
from tests.fakes.telegram_api import FakeTelegramAPI

SECRET = "bench-faults-webhook-secret"
SECRET_KEY = "bench-faults-secret-key-0123456789"
SCENARIOS = ("kill_web", "kill_worker", "db_terminate", "redis_stop", "telegram_500")
QUERIES = DEMO_DIR / "kb_queries.jsonl"


@dataclass
class Sent:
    """One client message of a scenario, as the poster saw it."""

    update_id: int
    chat_id: int
    accepted_at: float | None = None  # time.monotonic() of the first 200
    statuses: list[int] = field(default_factory=list)


@dataclass
class Scenario:
    """What one scenario measured."""

    name: str
    sent: list[Sent]
    fault_end: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)


def _update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Bench", "language_code": "ru"}
    chat = {"id": chat_id, "type": "private", "first_name": "Bench"}
    message = {"message_id": update_id, "date": int(time.time()), "chat": chat, "from": user, "text": text}
    return {"update_id": update_id, "message": message}


async def _post_until_accepted(
    http: aiohttp.ClientSession, url: str, sent: Sent, text: str, give_up_at: float
) -> None:
    """Post the update as Telegram does: again after a connection error or a 5xx, with a growing pause."""
    pause = 0.25
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    update = _update(sent.update_id, sent.chat_id, text)
    while time.monotonic() < give_up_at:
        try:
            async with http.post(url, json=update, headers=headers) as resp:
                await resp.read()
                sent.statuses.append(resp.status)
                if resp.status == 200:
                    sent.accepted_at = time.monotonic()
                    return
        except (TimeoutError, aiohttp.ClientError, OSError):
            sent.statuses.append(0)  # no answer: the process is down
        await asyncio.sleep(pause)
        pause = min(pause * 2, 2.0)


class FaultBench:
    """Runs the app's processes and the scenarios against them."""

    def __init__(self, database_url: str, api: FakeTelegramAPI, redis: RedisServer, log_dir: Path) -> None:
        self.database_url = database_url
        self.api = api
        self.redis = redis
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "NLU_TRAIN_IN_BACKGROUND": "false",  # a stale model trains before the processes are up, not under the load
            "REDIS_URL": redis.url,
            "TELEGRAM_CLIENT_TOKEN": api.default_token,
            "TELEGRAM_API_BASE": api.base_url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_SET_WEBHOOK": "false",
            "PUBLIC_URL": self.base,
            "SECRET_KEY": SECRET_KEY,
            "KB_EMBEDDER": "none",
            "HELPDESK_LOG_LEVEL": "WARNING",
        }
        for unset in ("TELEGRAM_STAFF_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "TELEGRAM_STAFF_GROUP_ID"):
            env.pop(unset, None)
        web_args = ["run", "--no-worker", "--host", "127.0.0.1", "--port", str(self.port)]
        self.web = AppProcess("web", web_args, env, log_dir, health_url=f"{self.base}/healthz")
        env_worker = {**env, "HELPDESK_LOG_LEVEL": "INFO"}  # the ready line is logged at INFO
        self.worker = AppProcess(
            "worker", ["worker"], env_worker, log_dir, ready_line="Helpdesk worker is up"
        )
        self.texts = [
            json.loads(line)["query"] for line in QUERIES.read_text(encoding="utf-8").splitlines() if line
        ]
        self.next_update = 1

    async def start(self) -> None:
        """Start both processes and wait until they are up."""
        self.web.spawn()
        self.worker.spawn()
        await asyncio.gather(self.web.wait_ready(), self.worker.wait_ready())

    def stop(self) -> None:
        """Stop both processes."""
        self.web.terminate()
        self.worker.terminate()

    async def run(
        self,
        name: str,
        fault: Callable[[], Awaitable[dict[str, Any]]],
        messages: int,
        rate: float,
        settle_s: float,
    ) -> Scenario:
        """Post `messages` updates at `rate` per second, break things after a third of them, then settle."""
        first = self.next_update
        self.next_update += messages
        sent = [Sent(first + i, 50_000_000 + first + i) for i in range(messages)]
        scenario = Scenario(name, sent)
        url = f"{self.base}/webhook/telegram/client"
        give_up_at = time.monotonic() + settle_s + messages / rate + 300

        async def post(http: aiohttp.ClientSession, index: int, start: float) -> None:
            delay = start + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            text = self.texts[sent[index].update_id % len(self.texts)]
            await _post_until_accepted(http, url, sent[index], text, give_up_at)

        async def breaker(start: float) -> None:
            await asyncio.sleep(max(0.0, start + messages / rate / 3 - time.monotonic()))
            scenario.notes = await fault()
            scenario.fault_end = time.monotonic()

        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
            start = time.monotonic() + 0.05
            await asyncio.gather(breaker(start), *(post(http, i, start) for i in range(messages)))
        await self._settle(scenario, settle_s)
        return scenario

    async def _settle(self, scenario: Scenario, settle_s: float) -> None:
        """Wait until every accepted chat has a reply and nothing more arrives for a moment."""
        chats = {s.chat_id for s in scenario.sent if s.accepted_at is not None}
        deadline = time.monotonic() + settle_s
        while time.monotonic() < deadline:
            answered = {c.params.get("chat_id") for c in self.api.calls if c.ok and c.method == "sendMessage"}
            if chats <= answered:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(3.0)  # let second replies (and any duplicate) arrive

    # --- the faults -------------------------------------------------------------------------------

    async def kill_web(self) -> dict[str, Any]:
        self.web.kill()
        down = time.monotonic()
        self.web.spawn()
        await self.web.wait_ready()
        return {"restart_s": round(time.monotonic() - down, 1)}

    async def kill_worker(self) -> dict[str, Any]:
        self.worker.kill()
        down = time.monotonic()
        self.worker.spawn()
        await self.worker.wait_ready()
        return {"restart_s": round(time.monotonic() - down, 1)}

    async def db_terminate(self) -> dict[str, Any]:
        killed = []
        for _ in range(3):
            killed.append(await terminate_connections(self.database_url))
            await asyncio.sleep(1.0)
        return {"connections_terminated": killed}

    async def redis_stop(self, down_s: float) -> dict[str, Any]:
        self.redis.stop()
        await asyncio.sleep(down_s)
        self.redis.start()
        return {"redis_down_s": down_s}

    async def telegram_500(self, down_s: float) -> dict[str, Any]:
        self.api.fail_until_cleared("sendMessage", 500)
        await asyncio.sleep(down_s)
        self.api.clear_failures("sendMessage")
        return {"telegram_down_s": down_s}


def measure(scenario: Scenario, calls: list[Any]) -> dict[str, Any]:
    """The scenario's figures, from what the fake Telegram received."""
    chats = {s.chat_id: s for s in scenario.sent}
    first_reply: dict[int, float] = {}
    texts: Counter[tuple[int, str]] = Counter()
    for call in calls:
        chat = call.params.get("chat_id")
        if call.method != "sendMessage" or not call.ok or chat not in chats:
            continue
        first_reply.setdefault(chat, call.at)
        texts[(chat, str(call.params.get("text")))] += 1
    accepted = [s for s in scenario.sent if s.accepted_at is not None]
    replied = [s for s in accepted if s.chat_id in first_reply]
    recovery = [first_reply[s.chat_id] - max(scenario.fault_end, s.accepted_at or 0.0) for s in replied]
    server_errors = sum(1 for s in scenario.sent for status in s.statuses if status >= 500 and status != 503)
    return {
        "scenario": scenario.name,
        "sent": len(scenario.sent),
        "accepted": len(accepted),
        "replied": len(replied),
        "lost": len(accepted) - len(replied),
        "duplicates": sum(n - 1 for n in texts.values() if n > 1),
        "server_errors": server_errors,
        "refused_503": sum(1 for s in scenario.sent for status in s.statuses if status == 503),
        "no_answer": sum(1 for s in scenario.sent for status in s.statuses if status == 0),
        "recovery_s": round(max([0.0, *recovery]), 1),
        **scenario.notes,
    }


async def _bench(
    scenarios: list[str],
    messages: int,
    rate: float,
    settle_s: float,
    redis_down_s: float,
    telegram_down_s: float,
    log_dir: Path,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    url = await fresh_pg_database(
        own_database(
            bench_pg_url(
                os.environ.get("HELPDESK_BENCH_FAULTS_PG_URL")
                or "postgresql+asyncpg://postgres@127.0.0.1:5432/helpdesk_bench_faults"
            )
        )
    )
    await seed_demo(Settings(database_url=url, kb_embedder="none"))
    redis = RedisServer()
    redis.start()
    lines: list[dict[str, Any]] = []
    try:
        async with FakeTelegramAPI() as api:
            bench = FaultBench(url, api, redis, log_dir)
            faults: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
                "kill_web": bench.kill_web,
                "kill_worker": bench.kill_worker,
                "db_terminate": bench.db_terminate,
                "redis_stop": lambda: bench.redis_stop(redis_down_s),
                "telegram_500": lambda: bench.telegram_500(telegram_down_s),
            }
            await bench.start()
            try:
                for name in scenarios:
                    scenario = await bench.run(name, faults[name], messages, rate, settle_s)
                    lines.append(measure(scenario, list(api.calls)))
            finally:
                bench.stop()
    finally:
        redis.remove()
        await drop_pg_database(url)
    total = {
        "scenarios": len(lines),
        "accepted": sum(line["accepted"] for line in lines),
        "replied": sum(line["replied"] for line in lines),
        "lost": sum(line["lost"] for line in lines),
        "duplicates": sum(line["duplicates"] for line in lines),
        "server_errors": sum(line["server_errors"] for line in lines),
        "max_recovery_s": max((line["recovery_s"] for line in lines), default=0.0),
    }
    return total, lines


def register(bench: click.Group) -> None:
    """Attach `faults` to the `helpdesk bench` group."""

    @bench.command("faults")
    @click.option("--db", type=click.Choice(["postgres"]), default="postgres", show_default=True)
    @click.option(
        "--scenario",
        "scenarios",
        multiple=True,
        type=click.Choice(SCENARIOS),
        help="Run only these (repeatable); default: all five.",
    )
    @click.option("--messages", default=120, show_default=True, help="Client messages per scenario.")
    @click.option("--rate", default=20.0, show_default=True, help="Messages per second offered.")
    @click.option(
        "--settle-s", default=90.0, show_default=True, help="Longest wait for the replies after a burst."
    )
    @click.option("--redis-down-s", default=20.0, show_default=True)
    @click.option("--telegram-down-s", default=30.0, show_default=True)
    @click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print the totals as one JSON object, then a line per scenario.",
    )
    def faults(
        db: str,
        scenarios: tuple[str, ...],
        messages: int,
        rate: float,
        settle_s: float,
        redis_down_s: float,
        telegram_down_s: float,
        as_json: bool,
    ) -> None:
        """Lost, duplicated and late replies while processes, PostgreSQL, Redis and Telegram fail."""
        with tempfile.TemporaryDirectory(prefix="hd-faults-") as tmp:
            total, lines = asyncio.run(
                _bench(
                    list(scenarios or SCENARIOS),
                    messages,
                    rate,
                    settle_s,
                    redis_down_s,
                    telegram_down_s,
                    Path(tmp),
                )
            )
        if as_json:
            click.echo(json.dumps(total))
            for line in lines:
                click.echo(json.dumps(line))
        else:
            for line in lines:
                click.echo(" ".join(f"{k}={v}" for k, v in line.items()))
            click.echo(" ".join(f"{k}={v}" for k, v in total.items()))
