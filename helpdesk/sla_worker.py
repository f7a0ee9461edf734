"""The SLA timer loop: claim due timers, evaluate the tickets, send alerts through the outbox, re-schedule.

Each tick:
1. claims up to `batch` due timers in one short transaction (PostgreSQL: `FOR UPDATE SKIP LOCKED`, with a
   lease, so several worker processes never take the same timer and a worker that dies mid-work loses
   nothing: its lease runs out and another worker takes the timer again);
2. evaluates each claimed ticket in its own unit of work via `DialogueEngine.run_system`: the alerts due are
   stored (unique per ticket, clock and level, so a retried tick never sends twice), the bus's handlers turn
   their events into messages that go to the outbox, and the next timer is stored, all in one commit;
3. now and then gives open tickets that have no timer yet (made before the SLA runtime, or a missed hook)
   their first one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import yaml

from dialogue.engine import DialogueEngine
from dialogue.ports import DialogueUnitOfWork
from helpdesk.config_errors import ConfigError
from helpdesk.sla_schema import check_sla_file
from ticket_core.sla.config import DEFAULT_CONFIG, SlaConfig, SlaConfigError, load_config
from ticket_core.sla.ports import sla_store
from ticket_core.usecases.sla import check_sla, reschedule

log = logging.getLogger(__name__)


def worker_id() -> str:
    """A name for this worker process that is unique across machines and restarts."""
    return f"{socket.gethostname()[:20]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class TickReport:
    """What one tick did."""

    claimed: int = 0
    evaluated: int = 0
    alerts: int = 0
    failed: int = 0
    scheduled: int = 0


@dataclass
class SlaWorker:
    """Runs SLA timers. `tick()` once, or `run(stop)` until the event is set.

    Attributes:
        engine: the dialogue engine (its unit-of-work factory must have `storage.sla_timers.install`ed).
        lease: how long a claim protects a timer; longer than one evaluation, short enough to recover fast.
        batch: timers claimed per tick.
        period_s: pause between ticks when nothing was due.
        sweep_every: run the "open tickets without a timer" sweep every this many ticks (0: never).
    """

    engine: DialogueEngine
    lease: timedelta = timedelta(seconds=60)
    batch: int = 100
    period_s: float = 1.0
    sweep_every: int = 60
    name: str = field(default_factory=worker_id)
    on_tick: Callable[[TickReport], Any] | None = None
    _ticks: int = 0

    async def claim(self) -> list[str]:
        """Claim due timers in a short transaction of their own; return the ticket ids."""
        claimed: list[str] = []
        async with self.engine.uow_factory() as uow:
            now = self.engine.clock()
            timers = await sla_store(uow).claim_due(now, self.name, self.lease, self.batch)
            await uow.commit()
            claimed = [t.ticket_id for t in timers]
        return claimed

    async def evaluate(self, ticket_id: str) -> int:
        """Evaluate one claimed ticket and commit its alerts, messages and next timer together."""
        recorded: list[object] = []

        async def work(uow: DialogueUnitOfWork, now: datetime) -> None:
            recorded.extend(await check_sla(uow, ticket_id, now))

        await self.engine.run_system(work)
        return len(recorded)

    async def sweep(self, limit: int = 500) -> int:
        """Give open tickets without a timer their first one; return how many."""
        done = 0

        async def work(uow: DialogueUnitOfWork, now: datetime) -> None:
            nonlocal done
            for ticket_id in await sla_store(uow).open_tickets_without_timer(limit):
                ticket = await uow.tickets.get(ticket_id)
                if ticket is not None:
                    await reschedule(uow, ticket, now)
                    done += 1

        await self.engine.run_system(work)
        return done

    async def tick(self) -> TickReport:
        """Claim and evaluate the due timers once; a failing ticket is logged and retried after its lease."""
        report = TickReport()
        if self.sweep_every and self._ticks % self.sweep_every == 0:
            report.scheduled = await self.sweep()
        self._ticks += 1
        ticket_ids = await self.claim()
        report.claimed = len(ticket_ids)
        for ticket_id in ticket_ids:
            try:
                report.alerts += await self.evaluate(ticket_id)
                report.evaluated += 1
            except Exception:
                # The claim stays until its lease runs out, then the timer is tried again.
                log.exception("SLA evaluation of ticket %s failed", ticket_id)
                report.failed += 1
        if self.on_tick is not None:
            self.on_tick(report)
        return report

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop` is set; a full batch ticks again at once, otherwise waits `period_s`."""
        while not stop.is_set():
            try:
                report = await self.tick()
            except Exception:
                log.exception("SLA tick failed")
                report = TickReport()
            if report.claimed >= self.batch:
                continue
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.period_s)
            except TimeoutError:
                pass


class SlaFileError(ConfigError, SlaConfigError):
    """The SLA file is unreadable or wrong: one line naming SLA_CONFIG_FILE, the file, the key and the fix.

    A `ConfigError` (the CLI prints it and exits 2) that is still an `SlaConfigError` for older callers.
    """

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        super().__init__("SLA_CONFIG_FILE", problem, where=os.fspath(path))


def load_sla_config(path: str | os.PathLike[str] | None) -> SlaConfig:
    """Read the SLA configuration from a YAML or JSON file (`SLA_CONFIG_FILE`); the defaults when unset.

    The file's shape is checked by the schema in `helpdesk.sla_schema` (unknown keys refused), then
    `ticket_core.sla.config.load_config` checks the values and builds the policies.

    Raises:
        SlaFileError: the file is missing, unreadable, empty or malformed; the message names the file,
            the key and what is expected there.
    """
    if path is None:
        return DEFAULT_CONFIG
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise SlaFileError(
            path, "no such file; fix the path, or unset SLA_CONFIG_FILE for the built-in policy"
        ) from None
    except OSError as exc:
        raise SlaFileError(path, f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SlaFileError(path, "the file is not UTF-8 text; save it as UTF-8 YAML or JSON") from None
    return parse_sla_text(text, path)


def parse_sla_text(text: str, where: str | os.PathLike[str]) -> SlaConfig:
    """Check and build an SLA configuration from a file's text (YAML or JSON), as `load_sla_config` does.

    `where` names the text in errors: the file, or a published version (helpdesk.sla_configs).

    Raises:
        SlaFileError: the text is empty or malformed; the message names `where`, the key and what is expected.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SlaFileError(where, f"not valid YAML or JSON: {_yaml_problem(exc)}") from None
    if data is None:
        # An empty file is more likely a mistake (a failed copy, a wrong mount) than a wish for defaults.
        raise SlaFileError(
            where,
            "the file is empty; give calendars and policies (docs/sla.md), "
            "or unset SLA_CONFIG_FILE for the built-in policy",
        )
    problems = check_sla_file(data)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise SlaFileError(where, "; ".join(problems[:3]) + more)
    try:
        return load_config(data)
    except SlaConfigError as exc:
        raise SlaFileError(where, str(exc)) from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Where a YAML error is and what it is, without PyYAML's multi-line layout."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)
