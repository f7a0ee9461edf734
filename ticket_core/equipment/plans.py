"""Maintenance plans of registered units, edited by a person: one unit, or every unit of a type at a site.

The admin's unit card lists the plans that service the unit and edits them here: the schedule, what the
work is, its checklist, priority, lead time and whether it runs. The target (the unit, or the type at the
unit's site), the client and the category (the type's) come from the unit. A changed schedule moves the next
run to the first one after now. Each save is audited as `maintenance_plan_saved` with the fields changed.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import ClassVar

from ticket_core.enums import Priority
from ticket_core.equipment.model import Unit
from ticket_core.equipment.usecases import get_unit, require_manager
from ticket_core.errors import NotFound, ValidationFailed
from ticket_core.events import DomainEvent
from ticket_core.maintenance import MAX_CHECKLIST, MaintenancePlan
from ticket_core.model import Actor
from ticket_core.ports import UnitOfWork
from ticket_core.sla.ports import maintenance_store
from ticket_core.sla.schedule import ScheduleError, next_run
from ticket_core.usecases._common import require_utc

MAX_LEAD_DAYS = 60
_COMPARED = (
    "schedule",
    "description",
    "checklist",
    "priority",
    "lead_time",
    "active",
    "unit_id",
    "unit_type",
)


@dataclass(frozen=True, kw_only=True)
class MaintenancePlanSaved(DomainEvent):
    """A maintenance plan was created or edited by a person, with the fields that changed."""

    name: ClassVar[str] = "maintenance_plan_saved"
    plan_id: str
    created: bool
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlanInput:
    """What a person sets on a plan of a unit (texts as typed; `every_of_type` targets the type at the site)."""

    schedule: str
    description: str
    checklist: tuple[str, ...] = ()
    priority: str = "P4"
    lead_days: str = "1"
    active: bool = True
    every_of_type: bool = False


def services(plan: MaintenancePlan, unit: Unit) -> bool:
    """Whether a plan's runs service this unit (it targets the unit, or its type at its site)."""
    if plan.unit_id is not None:
        return plan.unit_id == unit.id
    return plan.unit_type == unit.type_id and plan.site_id == unit.site_id


async def plans_of_unit(uow: UnitOfWork, actor: Actor, unit_id: str) -> list[MaintenancePlan]:
    """The plans that service a unit, by next run."""
    unit = await get_unit(uow, actor, unit_id)
    require_manager(actor)
    found = [p for p in await maintenance_store(uow).list(unit.client_id) if services(p, unit)]
    return sorted(found, key=lambda p: p.next_run_at)


def _checked(
    given: PlanInput, tz: str, now: datetime
) -> tuple[datetime, Priority, timedelta, tuple[str, ...]]:
    problems: list[str] = []
    first = now
    try:
        first = next_run(given.schedule.strip(), now, tz)
    except (ScheduleError, ValueError) as error:
        problems.append(f"Schedule: {error}")
    if not given.description.strip():
        problems.append("Say what the work is.")
    try:
        priority = Priority(given.priority)
    except ValueError:
        problems.append("Priority is one of P1, P2, P3, P4.")
        priority = Priority.P4
    try:
        lead = float(given.lead_days.replace(",", "."))
        if not 0 <= lead <= MAX_LEAD_DAYS:
            raise ValueError
    except ValueError:
        problems.append(f"Lead time: a number of days from 0 to {MAX_LEAD_DAYS}, e.g. 2 or 0.5.")
        lead = 1.0
    steps = tuple(s.strip()[:300] for s in given.checklist if s.strip())
    if len(steps) > MAX_CHECKLIST:
        problems.append(f"A checklist has at most {MAX_CHECKLIST} steps.")
    if problems:
        raise ValidationFailed(" ".join(problems))
    return first, priority, timedelta(days=lead), steps


async def save_unit_plan(
    uow: UnitOfWork, actor: Actor, unit_id: str, given: PlanInput, now: datetime, plan_id: str | None = None
) -> MaintenancePlan:
    """Create a plan for a unit (or every unit of its type at its site), or change one that services it.

    Raises:
        Forbidden: the actor may not manage the registry.
        NotFound: no such unit, or the plan does not service it.
        ValidationFailed: what is wrong with the values.
    """
    require_utc(now)
    require_manager(actor)
    unit = await get_unit(uow, actor, unit_id)
    site = await uow.directory.get_site(unit.site_id)
    equipment_type = await uow.equipment.get_type(unit.type_id)
    if site is None or equipment_type is None:  # pragma: no cover - the registry keeps both
        raise NotFound(f"Unit {unit.name!r} has lost its site or type.")
    store = maintenance_store(uow)
    old = await store.get(plan_id) if plan_id is not None else None
    if plan_id is not None and (old is None or not services(old, unit)):
        raise NotFound(f"No plan {plan_id} of this unit: open it from the unit's card.")
    first, priority, lead, steps = _checked(given, site.timezone, now)
    target = (
        {"unit_id": None, "unit_type": unit.type_id}
        if given.every_of_type
        else {"unit_id": unit.id, "unit_type": None}
    )
    values = {
        "schedule": given.schedule.strip(),
        "description": given.description.strip()[:2000],
        "checklist": steps,
        "priority": priority,
        "lead_time": lead,
        "active": given.active,
        **target,
    }
    if old is None:
        plan = MaintenancePlan(
            id=f"mp-{uuid.uuid4().hex[:10]}",
            client_id=unit.client_id,
            category=equipment_type.category,
            next_run_at=first,
            site_id=unit.site_id,
            **values,  # type: ignore[arg-type]
        )
        await store.add(plan)
        changed: list[str] = []
    else:
        moved = old.schedule != values["schedule"] or not old.active
        plan = replace(old, **values, next_run_at=first if moved else old.next_run_at)  # type: ignore[arg-type]
        before, after = asdict(old), asdict(plan)
        changed = [name for name in _COMPARED if before[name] != after[name]]
        if not changed:
            return old
        await store.update(plan)
    uow.record(
        MaintenancePlanSaved(
            ticket_id=None, actor=actor, at=now, plan_id=plan.id, created=old is None, changed=changed
        )
    )
    return plan
