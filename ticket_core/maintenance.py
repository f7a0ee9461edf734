"""Planned maintenance: a plan (site or equipment, schedule, checklist) and the ticket draft it produces.

Pure domain code. The worker (`helpdesk/maintenance.py`) opens the ticket `lead_time` before each run
through `open_ticket`, so it is routed like any other, and moves the plan to its next run.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ticket_core.enums import Priority
from ticket_core.equipment.model import Unit, UnitFilter, UnitStatus
from ticket_core.ports import UnitOfWork
from ticket_core.sla.schedule import next_run, parse_schedule
from ticket_core.usecases.opening import TicketDraft

MAX_CHECKLIST = 50


@dataclass(slots=True)
class MaintenancePlan:
    """Recurring planned work at a client's site.

    Attributes:
        id: plan id.
        client_id: whose site.
        schedule: when the work is due (see `ticket_core.sla.schedule`), in the site's time zone.
        category: ticket category (routes to engineers with that skill).
        description: what the work is.
        checklist: steps the engineer ticks off; copied into the ticket.
        next_run_at: the next due time (UTC); the ticket is opened `lead_time` before it.
        site_id: the site, when the plan is for one.
        equipment: the unit serviced (e.g. "Rooftop AC #2").
        priority: priority of the tickets it opens.
        lead_time: how long before the due time the ticket is opened (engineers plan their week).
        active: paused plans open nothing.
        last_ticket_id: the ticket opened for the previous run.
        unit_id: one registered unit the plan services (a ticket on it each run).
        unit_type: every unit of this equipment type at the plan's site (one ticket per unit each run, e.g.
            quarterly filter changes of all air conditioners); retired units are skipped.
    """

    id: str
    client_id: str
    schedule: str
    category: str
    description: str
    next_run_at: datetime
    checklist: tuple[str, ...] = ()
    site_id: str | None = None
    equipment: str | None = None
    priority: Priority = Priority.P4
    lead_time: timedelta = field(default=timedelta(days=1))
    active: bool = True
    last_ticket_id: str | None = None
    unit_id: str | None = None
    unit_type: str | None = None

    def __post_init__(self) -> None:
        parse_schedule(self.schedule)
        if self.unit_id and self.unit_type:
            raise ValueError("a plan targets one unit or every unit of a type, not both")
        if self.unit_type and not self.site_id:
            raise ValueError("a plan for every unit of a type needs the site (--site)")
        if len(self.checklist) > MAX_CHECKLIST:
            raise ValueError(f"a checklist has at most {MAX_CHECKLIST} steps; split the plan")
        if self.lead_time < timedelta(0):
            raise ValueError("lead time cannot be negative; give how long before the run to open the ticket")
        if self.next_run_at.tzinfo is None:
            raise ValueError("next_run_at has no time zone; pass an aware datetime (UTC)")

    def opens_at(self) -> datetime:
        """When the ticket of the next run should be opened."""
        return self.next_run_at - self.lead_time

    def is_due(self, now: datetime) -> bool:
        """Tell whether the ticket of the next run should be opened by `now`."""
        return self.active and self.opens_at() <= now


def plan_description(plan: MaintenancePlan, due_local: str, unit: Unit | None = None) -> str:
    """The ticket text: what, which equipment, when it is due, and the checklist as numbered steps."""
    lines = [f"[Planned maintenance] {plan.description}".strip()]
    if unit is not None:
        where = ", ".join(x for x in (unit.model, unit.location) if x)
        lines.append(f"Equipment: {unit.name}" + (f" ({where})" if where else ""))
    elif plan.equipment:
        lines.append(f"Equipment: {plan.equipment}")
    lines.append(f"Due: {due_local}")
    if plan.checklist:
        lines.append("Checklist:")
        lines.extend(f"{i}. {step}" for i, step in enumerate(plan.checklist, 1))
    return "\n".join(lines)


def plan_draft(plan: MaintenancePlan, tz: str, unit: Unit | None = None) -> TicketDraft:
    """The draft of the ticket for the plan's next run (on `unit` when it targets units); the due time is shown
    in the site's time zone."""
    from zoneinfo import ZoneInfo

    due_local = plan.next_run_at.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M") + f" ({tz})"
    return TicketDraft(
        client_id=plan.client_id,
        category=plan.category,
        description=plan_description(plan, due_local, unit),
        priority=plan.priority,
        site_id=unit.site_id if unit is not None else plan.site_id,
        source_channel="maintenance",
    )


def advance(plan: MaintenancePlan, tz: str, now: datetime, ticket_id: str | None) -> MaintenancePlan:
    """Return the plan moved to its next run after the one just handled (skipping runs already past `now`).

    Runs missed while the service was down are not opened one by one: one ticket covers the latest, and the
    plan moves on to the first run whose opening is still ahead.
    """
    nxt = next_run(plan.schedule, plan.next_run_at, tz)
    while nxt - plan.lead_time <= now:
        nxt = next_run(plan.schedule, nxt, tz)
    return replace(plan, next_run_at=nxt, last_ticket_id=ticket_id or plan.last_ticket_id)


MAX_UNITS_PER_RUN = 200


async def plan_units(uow: UnitOfWork, plan: MaintenancePlan) -> list[Unit] | None:
    """The units a run services: None for a plan that targets no unit, else those not retired (maybe none)."""
    if plan.unit_id:
        unit = await uow.equipment.get(plan.unit_id)
        ok = unit is not None and unit.client_id == plan.client_id and unit.status is not UnitStatus.RETIRED
        return [unit] if ok and unit is not None else []
    if plan.unit_type:
        where = UnitFilter(client_id=plan.client_id, site_id=plan.site_id, type_id=plan.unit_type)
        units = await uow.equipment.find(where, limit=MAX_UNITS_PER_RUN)
        return [u for u in units if u.status is not UnitStatus.RETIRED]
    return None
