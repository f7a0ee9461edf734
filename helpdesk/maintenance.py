"""Planned maintenance: open tickets ahead of time from `maintenance_plans`, routed like any other ticket.

`open_due_maintenance(engine)` runs in one unit of work (`DialogueEngine.run_system`): each due plan opens a
ticket through `open_ticket` as the system (the bus routes `TicketOpened` to an engineer, ticket_core.handlers), gets its SLA
timer, and moves to its next run. Plans are locked with SKIP LOCKED on PostgreSQL, so two workers never open
the same run twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from dialogue.engine import DialogueEngine
from dialogue.ports import DialogueUnitOfWork
from ticket_core.equipment.opening import link_ticket
from ticket_core.errors import DomainError
from ticket_core.maintenance import MaintenancePlan, advance, plan_draft, plan_units
from ticket_core.model import Actor
from ticket_core.sla.ports import maintenance_store
from ticket_core.usecases import open_ticket
from ticket_core.usecases.sla import reschedule

log = logging.getLogger(__name__)
DEFAULT_TZ = "Europe/Moscow"


async def _tz(uow: DialogueUnitOfWork, plan: MaintenancePlan) -> str:
    site = await uow.directory.get_site(plan.site_id) if plan.site_id else None
    if site is not None:
        return site.timezone
    return uow.sla.config.timezone if uow.sla is not None else DEFAULT_TZ


async def open_due_plans(uow: DialogueUnitOfWork, now: datetime, limit: int = 50) -> list[str]:
    """Open the tickets of every due plan and advance the plans; return the new ticket ids.

    A plan that targets units opens one ticket per unit (linked to it, so the unit's card lists it; planned
    work is not a failure in the reliability report). A plan whose ticket cannot be opened (its client or
    site is gone) is deactivated and logged, so it does not fail every tick.
    """
    store = maintenance_store(uow)
    opened: list[str] = []
    for plan in await store.due(now, limit):
        tz = await _tz(uow, plan)
        units = await plan_units(uow, plan)
        ids: list[str] = []
        try:
            for unit in units if units is not None else [None]:
                ticket = await open_ticket(uow, Actor.system(), plan_draft(plan, tz, unit), now)
                if unit is not None:
                    await link_ticket(
                        uow, Actor.system(), ticket, unit, visitor=False, via="maintenance", now=now
                    )
                if uow.sla is not None:
                    await reschedule(uow, ticket, now)
                ids.append(ticket.id)
        except DomainError as exc:
            log.warning("maintenance plan %s paused: %s", plan.id, exc)
            plan.active = False
            await store.update(plan)
            continue
        if units == []:
            log.info("maintenance plan %s: no unit in service to service this run", plan.id)
        await store.update(advance(plan, tz, now, ids[-1] if ids else None))
        opened.extend(ids)
    return opened


async def open_due_maintenance(engine: DialogueEngine) -> int:
    """Run `open_due_plans` with notifications and the outbox; return how many tickets were opened."""
    opened: list[str] = []

    async def work(uow: DialogueUnitOfWork, now: datetime) -> None:
        opened.extend(await open_due_plans(uow, now))

    await engine.run_system(work)
    return len(opened)
