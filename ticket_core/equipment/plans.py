"""Maintenance plans made and changed by a person, each change audited as `maintenance_plan_saved` with the
fields changed.

- Plans of registered units (`save_unit_plan`): the admin's unit card lists the plans that service the unit
  and edits them here: the schedule, what the work is, its checklist, priority, lead time and whether it
  runs. The target (the unit, or the type at the unit's site), the client and the category (the type's) come
  from the unit. A changed schedule moves the next run to the first one after now.
- Any plan (`add_plan`, `set_plan_active`): a client's site, a free-text piece of equipment, a unit or every
  unit of a type at a site, with its own category (`helpdesk maintenance add|pause|resume`).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import ClassVar

from ticket_core.enums import Priority
from ticket_core.equipment.model import Unit
from ticket_core.equipment.usecases import get_unit, require_manager
from ticket_core.errors import DomainError, FormProblems, NotFound, ValidationFailed
from ticket_core.events import DomainEvent
from ticket_core.maintenance import MAX_CHECKLIST, MaintenancePlan
from ticket_core.model import DEFAULT_TIMEZONE, Actor
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
    problems: list[DomainError] = []
    first = now
    try:
        first = next_run(given.schedule.strip(), now, tz)
    except (ScheduleError, ValueError) as error:
        problems.append(
            ValidationFailed(
                "The schedule is not understood: {reason}.",
                reason=str(error).rstrip("."),
                schedule=given.schedule.strip(),
            )
        )
    if not given.description.strip():
        problems.append(ValidationFailed("Say what the work is."))
    try:
        priority = Priority(given.priority)
    except ValueError:
        problems.append(ValidationFailed("Priority is one of P1, P2, P3, P4."))
        priority = Priority.P4
    try:
        lead = float(given.lead_days.replace(",", "."))
        if not 0 <= lead <= MAX_LEAD_DAYS:
            raise ValueError
    except ValueError:
        problems.append(
            ValidationFailed(
                "Lead time is a number of days from 0 to {max_days}, e.g. 2 or 0.5.", max_days=MAX_LEAD_DAYS
            )
        )
        lead = 1.0
    steps = tuple(s.strip()[:300] for s in given.checklist if s.strip())
    if len(steps) > MAX_CHECKLIST:
        problems.append(
            ValidationFailed("A checklist has at most {max_steps} steps.", max_steps=MAX_CHECKLIST)
        )
    if problems:
        raise FormProblems(problems)
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
        raise NotFound("Unit {name} has lost its site or type.", name=unit.name)
    store = maintenance_store(uow)
    old = await store.get(plan_id) if plan_id is not None else None
    if plan_id is not None and (old is None or not services(old, unit)):
        raise NotFound("No plan {plan_id} of this unit: open it from the unit's card.", plan_id=plan_id)
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


@dataclass(frozen=True, slots=True)
class NewPlan:
    """A plan as `helpdesk maintenance add` gives it: a client's site (or none), what and when."""

    client_id: str
    category: str
    work: PlanInput
    site_id: str | None = None
    equipment: str | None = None
    unit_ref: str | None = None  # a registered unit's id or sticker code
    unit_type: str | None = None  # every unit of this type at the site


async def add_plan(uow: UnitOfWork, actor: Actor, new: NewPlan, now: datetime) -> MaintenancePlan:
    """Create a plan for a client: at a site, on a unit or on every unit of a type at a site.

    Raises:
        Forbidden: the actor may not manage plans (admins, supervisors and the system do).
        NotFound: no such client, site of the client, unit of the client or equipment type.
        ValidationFailed: what is wrong with the values (every problem at once).
    """
    require_utc(now)
    require_manager(actor)
    if await uow.directory.get_client(new.client_id) is None:
        raise NotFound("No client {client_id}. Check the id in the client list.", client_id=new.client_id)
    tz = DEFAULT_TIMEZONE
    if new.site_id is not None:
        site = await uow.directory.get_site(new.site_id)
        if site is None or site.client_id != new.client_id:
            raise NotFound(
                "{site_id} is not a site of {client_id}; choose one of the client's sites.",
                site_id=new.site_id,
                client_id=new.client_id,
            )
        tz = site.timezone
    unit_id = None
    if new.unit_ref is not None:
        unit = await uow.equipment.get(new.unit_ref) or await uow.equipment.get_by_code(new.unit_ref)
        if unit is None or unit.client_id != new.client_id:
            raise NotFound(
                "No unit {unit_ref} of {client_id}; the equipment list shows them.",
                unit_ref=new.unit_ref,
                client_id=new.client_id,
            )
        unit_id = unit.id
    if new.unit_type is not None:
        if await uow.equipment.get_type(new.unit_type) is None:
            raise NotFound("No equipment type {type_id}; the type list shows them.", type_id=new.unit_type)
        if new.site_id is None:
            raise ValidationFailed("A plan for every unit of a type needs the site they are at.")
    category = new.category.strip()
    if not category:
        raise ValidationFailed("Give the ticket category the plan's tickets route by, e.g. hvac.")
    first, priority, lead, steps = _checked(new.work, tz, now)
    plan = MaintenancePlan(
        id=f"mp-{uuid.uuid4().hex[:10]}",
        client_id=new.client_id,
        schedule=new.work.schedule.strip(),
        category=category,
        description=new.work.description.strip()[:2000],
        next_run_at=first,
        checklist=steps,
        site_id=new.site_id,
        equipment=(new.equipment or "").strip()[:200] or None,
        priority=priority,
        lead_time=lead,
        active=new.work.active,
        unit_id=unit_id,
        unit_type=new.unit_type,
    )
    await maintenance_store(uow).add(plan)
    uow.record(MaintenancePlanSaved(ticket_id=None, actor=actor, at=now, plan_id=plan.id, created=True))
    return plan


async def set_plan_active(
    uow: UnitOfWork, actor: Actor, plan_id: str, active: bool, now: datetime
) -> MaintenancePlan:
    """Pause a plan (it opens nothing) or let it run again; a resumed plan's next run is the first after now.

    Raises:
        Forbidden: the actor may not manage plans.
        NotFound: no such plan.
    """
    require_utc(now)
    require_manager(actor)
    store = maintenance_store(uow)
    plan = await store.get(plan_id)
    if plan is None:
        raise NotFound("No plan {plan_id}. Check the id in the plan list.", plan_id=plan_id)
    if plan.active == active:
        return plan
    changed = replace(plan, active=active)
    if active and plan.next_run_at <= now:
        site = await uow.directory.get_site(plan.site_id) if plan.site_id else None
        changed.next_run_at = next_run(plan.schedule, now, site.timezone if site else DEFAULT_TIMEZONE)
    await store.update(changed)
    uow.record(
        MaintenancePlanSaved(
            ticket_id=None, actor=actor, at=now, plan_id=plan.id, created=False, changed=["active"]
        )
    )
    return changed
