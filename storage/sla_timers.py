"""SQL side of the SLA runtime: `SqlSlaStore` (timers with leases, alerts once per level) and
`SqlMaintenancePlans`, parts of every `storage.uow.SqlUnitOfWork` (`uow.sla` when SLA tracking is on).

Claiming: one short transaction marks due timers as claimed by a worker until a lease runs out. On
PostgreSQL concurrent claimers skip each other's rows (`FOR UPDATE SKIP LOCKED`), so two workers never take
the same timer; a worker that dies loses nothing, its lease runs out and another worker claims the timer
again. The work on a timer (alerts, outbox, next timer) commits in one later transaction, and the unique
(ticket, kind, level) of `sla_alerts` makes a retried or overlapping evaluation send nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories._sql import dialect_name, upsert_insert
from storage.sla_tables import maintenance_plans, sla_alerts, sla_timers
from storage.tables import tickets
from ticket_core.enums import OPEN_STATUSES, Priority
from ticket_core.maintenance import MaintenancePlan
from ticket_core.sla.clock import SlaKind
from ticket_core.sla.config import DEFAULT_CONFIG, SlaConfig
from ticket_core.sla.ports import SLA_TIMER, AlertRecord, TimerRecord, TimerStatus


def _timer(row: RowMapping) -> TimerRecord:
    return TimerRecord(
        ticket_id=row["ticket_id"],
        kind=row["kind"],
        due_at=row["due_at"],
        level=row["level"],
        status=TimerStatus(row["status"]),
        claimed_by=row["claimed_by"],
        claimed_until=row["claimed_until"],
        attempts=row["attempts"],
    )


class SqlSlaStore:
    """Implements `ticket_core.sla.ports.SlaStore` on the unit of work's session."""

    def __init__(self, session: AsyncSession, config: SlaConfig = DEFAULT_CONFIG) -> None:
        self.session = session
        self._config = config

    @property
    def config(self) -> SlaConfig:
        """Policies, overrides and the ladder."""
        return self._config

    async def set_timer(
        self, ticket_id: str, due_at: datetime | None, level: int | None, status: TimerStatus, now: datetime
    ) -> None:
        """Create or replace the ticket's timer, and drop any claim on it."""
        values: dict[str, Any] = {
            "due_at": due_at,
            "level": level,
            "status": str(status),
            "claimed_by": None,
            "claimed_until": None,
            "updated_at": now,
        }
        stmt = upsert_insert(self.session, sla_timers).values(
            ticket_id=ticket_id, kind=SLA_TIMER, attempts=0, **values
        )
        stmt = stmt.on_conflict_do_update(index_elements=["ticket_id", "kind"], set_=values)  # type: ignore[assignment]
        await self.session.execute(stmt)

    async def get_timer(self, ticket_id: str) -> TimerRecord | None:
        """The ticket's timer, if it has one."""
        stmt = select(sla_timers).where(sla_timers.c.ticket_id == ticket_id, sla_timers.c.kind == SLA_TIMER)
        row = (await self.session.execute(stmt)).mappings().first()
        return _timer(row) if row else None

    async def claim_due(self, now: datetime, worker: str, lease: timedelta, limit: int) -> list[TimerRecord]:
        """Claim up to `limit` due pending timers whose lease (if any) ran out, oldest first."""
        free = or_(sla_timers.c.claimed_until.is_(None), sla_timers.c.claimed_until <= now)
        pick = (
            select(sla_timers.c.id)
            .where(sla_timers.c.status == str(TimerStatus.PENDING), sla_timers.c.due_at <= now, free)
            .order_by(sla_timers.c.due_at)
            .limit(limit)
        )
        if dialect_name(self.session) == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        stmt = (
            update(sla_timers)
            .where(sla_timers.c.id.in_(pick.scalar_subquery()))
            .values(claimed_by=worker, claimed_until=now + lease, attempts=sla_timers.c.attempts + 1)
            .returning(*sla_timers.c)
        )
        rows = (await self.session.execute(stmt)).mappings().all()
        return sorted((_timer(r) for r in rows), key=lambda t: (t.due_at or now, t.ticket_id))

    async def holds_claim(self, ticket_id: str, worker: str, now: datetime) -> bool:
        """Tell whether `worker` still holds an unexpired claim on the ticket's timer."""
        stmt = select(sla_timers.c.id).where(
            sla_timers.c.ticket_id == ticket_id,
            sla_timers.c.kind == SLA_TIMER,
            sla_timers.c.claimed_by == worker,
            sla_timers.c.claimed_until > now,
        )
        return (await self.session.execute(stmt)).first() is not None

    async def alerts(self, ticket_id: str) -> list[AlertRecord]:
        """Alerts sent for a ticket, oldest first."""
        stmt = select(sla_alerts).where(sla_alerts.c.ticket_id == ticket_id).order_by(sla_alerts.c.id)
        return [
            AlertRecord(
                r["ticket_id"],
                SlaKind(r["kind"]),
                r["level"],
                r["notify"],
                r["sent_at"],
                r["acknowledged_by"],
                r["acknowledged_at"],
            )
            for r in (await self.session.execute(stmt)).mappings()
        ]

    async def add_alert(self, ticket_id: str, kind: SlaKind, level: int, notify: str, at: datetime) -> bool:
        """Record an alert; False when (ticket, kind, level) exists (a concurrent insert waits for the other)."""
        stmt = (
            upsert_insert(self.session, sla_alerts)
            .values(ticket_id=ticket_id, kind=str(kind), level=level, notify=notify, sent_at=at)
            .on_conflict_do_nothing(index_elements=["ticket_id", "kind", "level"])
            .returning(sla_alerts.c.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def acknowledge(self, ticket_id: str, kind: SlaKind, level: int, by: str, at: datetime) -> bool:
        """Record who took charge of an alert; False when acknowledged already (or never sent)."""
        stmt = (
            update(sla_alerts)
            .where(
                sla_alerts.c.ticket_id == ticket_id,
                sla_alerts.c.kind == str(kind),
                sla_alerts.c.level == level,
                sla_alerts.c.acknowledged_by.is_(None),
            )
            .values(acknowledged_by=by, acknowledged_at=at)
            .returning(sla_alerts.c.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def open_tickets_without_timer(self, limit: int) -> list[str]:
        """Ids of open tickets that have no timer row at all."""
        stmt = (
            select(tickets.c.id)
            .select_from(
                tickets.outerjoin(
                    sla_timers, and_(sla_timers.c.ticket_id == tickets.c.id, sla_timers.c.kind == SLA_TIMER)
                )
            )
            .where(tickets.c.status.in_([str(s) for s in OPEN_STATUSES]), sla_timers.c.id.is_(None))
            .limit(limit)
        )
        return [r[0] for r in (await self.session.execute(stmt)).all()]


def _plan(row: RowMapping) -> MaintenancePlan:
    return MaintenancePlan(
        id=row["id"],
        client_id=row["client_id"],
        schedule=row["schedule"],
        category=row["category"],
        description=row["description"],
        next_run_at=row["next_run_at"],
        checklist=tuple(row["checklist"] or ()),
        site_id=row["site_id"],
        equipment=row["equipment"],
        priority=Priority(row["priority"]),
        lead_time=timedelta(minutes=row["lead_time_min"]),
        active=bool(row["active"]),
        last_ticket_id=row["last_ticket_id"],
        unit_id=row["unit_id"],
        unit_type=row["unit_type"],
    )


def _plan_values(plan: MaintenancePlan) -> dict[str, Any]:
    return {
        "client_id": plan.client_id,
        "site_id": plan.site_id,
        "equipment": plan.equipment,
        "schedule": plan.schedule,
        "category": plan.category,
        "priority": str(plan.priority),
        "description": plan.description,
        "checklist": list(plan.checklist),
        "lead_time_min": int(plan.lead_time.total_seconds() // 60),
        "next_run_at": plan.next_run_at,
        "opens_at": plan.opens_at(),
        "active": plan.active,
        "last_ticket_id": plan.last_ticket_id,
        "unit_id": plan.unit_id,
        "unit_type": plan.unit_type,
    }


class SqlMaintenancePlans:
    """Implements `ticket_core.sla.ports.MaintenanceStore`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, plan: MaintenancePlan) -> None:
        """Insert a plan."""
        await self.session.execute(maintenance_plans.insert().values(id=plan.id, **_plan_values(plan)))

    async def get(self, plan_id: str) -> MaintenancePlan | None:
        """A plan by id."""
        row = (
            (await self.session.execute(select(maintenance_plans).where(maintenance_plans.c.id == plan_id)))
            .mappings()
            .first()
        )
        return _plan(row) if row else None

    async def due(self, now: datetime, limit: int) -> list[MaintenancePlan]:
        """Active plans whose ticket should be opened by `now`, locked (skipping rows other workers hold)."""
        stmt = (
            select(maintenance_plans)
            .where(maintenance_plans.c.active.is_(True), maintenance_plans.c.opens_at <= now)
            .order_by(maintenance_plans.c.opens_at)
            .limit(limit)
        )
        if dialect_name(self.session) == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return [_plan(r) for r in (await self.session.execute(stmt)).mappings()]

    async def update(self, plan: MaintenancePlan) -> None:
        """Save a plan's fields (next run, last ticket, active)."""
        await self.session.execute(
            maintenance_plans.update().where(maintenance_plans.c.id == plan.id).values(**_plan_values(plan))
        )

    async def list(self, client_id: str | None = None) -> Sequence[MaintenancePlan]:
        """Plans, optionally of one client."""
        stmt = select(maintenance_plans).order_by(maintenance_plans.c.id)
        if client_id is not None:
            stmt = stmt.where(maintenance_plans.c.client_id == client_id)
        return [_plan(r) for r in (await self.session.execute(stmt)).mappings()]
