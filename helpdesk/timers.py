"""Recurring system work: expire unanswered job offers (and re-route them), keep staff command menus right."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from dialogue.engine import DialogueEngine
from dialogue.outgoing import Outgoing
from dialogue.ports import DialogueUnitOfWork
from dialogue.staff_menus import refresh_staff_menus
from ticket_core import usecases as uc

log = logging.getLogger(__name__)


async def expire_offers_once(engine: DialogueEngine) -> int:
    """Expire overdue offers in one transaction; the bus (ticket_core.handlers) offers those jobs to the next engineer."""
    expired: list[str] = []

    async def work(uow: DialogueUnitOfWork, now: datetime) -> None:
        expired.extend(await uc.expire_offers(uow, now))

    await engine.run_system(work)
    return len(expired)


async def run_every(period_s: float, job: Callable[[], object], name: str, stop: asyncio.Event) -> None:
    """Run `job` every `period_s` seconds until `stop` is set; a failing run is logged and retried next time."""
    while not stop.is_set():
        try:
            result = job()
            if asyncio.iscoroutine(result):
                await result
        except Exception:
            log.exception("recurring job %s failed", name)
        try:
            await asyncio.wait_for(stop.wait(), timeout=period_s)
        except TimeoutError:
            pass


async def refresh_staff_menus_once(engine: DialogueEngine, wake: Callable[[], None] | None = None) -> int:
    """Set the command menu of every linked staff chat whose menu is not its person's role's (see
    dialogue.staff_menus), waking the delivery when some do; return how many chats get one."""
    changed = 0

    async def work(uow: DialogueUnitOfWork, now: datetime) -> Outgoing:
        nonlocal changed
        out = Outgoing(engine.signer)
        changed = await refresh_staff_menus(uow, out, now)
        return out

    await engine.run_system(work)
    if changed and wake is not None:
        wake()
    return changed
