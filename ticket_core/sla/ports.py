"""Ports of the SLA runtime: durable timers, sent alerts and maintenance plans. `storage/` implements them.

A unit of work carries the store as `uow.sla` (None while SLA tracking is off) and plans as
`uow.maintenance`; `sla_store(uow)` and `maintenance_store(uow)` return them, with a clear error when off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from ticket_core.maintenance import MaintenancePlan
from ticket_core.sla.clock import SlaKind
from ticket_core.sla.config import SlaConfig

if TYPE_CHECKING:
    from ticket_core.ports import UnitOfWork


class TimerStatus(StrEnum):
    """Where a ticket's timer stands."""

    PENDING = "pending"  # fires at due_at
    IDLE = "idle"  # nothing can come without news (paused); the next ticket change re-schedules
    DONE = "done"  # the ticket is no longer open


SLA_TIMER = "sla"
"""The kind of the one timer each open ticket has: when to evaluate its clocks again."""


@dataclass(frozen=True, slots=True)
class TimerRecord:
    """A stored timer."""

    ticket_id: str
    kind: str
    due_at: datetime | None
    level: int | None
    status: TimerStatus
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """An alert that was sent, and who acknowledged it."""

    ticket_id: str
    kind: SlaKind
    level: int
    notify: str
    sent_at: datetime
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None

    @property
    def key(self) -> tuple[SlaKind, int]:
        """The (kind, level) key `due_alerts` expects."""
        return (self.kind, self.level)


class SlaStore(Protocol):
    """Timers and alerts of tickets, in the unit of work's transaction."""

    @property
    def config(self) -> SlaConfig:
        """Policies, overrides and the ladder."""
        ...

    async def set_timer(
        self, ticket_id: str, due_at: datetime | None, level: int | None, status: TimerStatus, now: datetime
    ) -> None:
        """Create or replace the ticket's timer, and drop any claim on it."""
        ...

    async def get_timer(self, ticket_id: str) -> TimerRecord | None:
        """The ticket's timer, if it has one."""
        ...

    async def claim_due(self, now: datetime, worker: str, lease: timedelta, limit: int) -> list[TimerRecord]:
        """Claim up to `limit` pending timers due at `now` whose lease (if any) ran out; oldest first.

        On PostgreSQL concurrent claimers skip each other's rows (`FOR UPDATE SKIP LOCKED`).
        """
        ...

    async def holds_claim(self, ticket_id: str, worker: str, now: datetime) -> bool:
        """Tell whether `worker` still holds an unexpired claim on the ticket's timer."""
        ...

    async def alerts(self, ticket_id: str) -> list[AlertRecord]:
        """Alerts sent for a ticket, oldest first."""
        ...

    async def add_alert(self, ticket_id: str, kind: SlaKind, level: int, notify: str, at: datetime) -> bool:
        """Record an alert; False (and nothing changes) when that (ticket, kind, level) was sent before."""
        ...

    async def acknowledge(self, ticket_id: str, kind: SlaKind, level: int, by: str, at: datetime) -> bool:
        """Record who took charge of an alert; False when it was acknowledged already (or never sent)."""
        ...

    async def open_tickets_without_timer(self, limit: int) -> list[str]:
        """Ids of open tickets that have no timer row at all (made before SLA, or a missed hook)."""
        ...


class MaintenanceStore(Protocol):
    """Planned maintenance: which plans exist and when each runs next."""

    async def add(self, plan: MaintenancePlan) -> None:
        """Insert a plan."""
        ...

    async def get(self, plan_id: str) -> MaintenancePlan | None:
        """A plan by id."""
        ...

    async def due(self, now: datetime, limit: int) -> list[MaintenancePlan]:
        """Active plans whose ticket should be opened by `now` (locked for this transaction)."""
        ...

    async def update(self, plan: MaintenancePlan) -> None:
        """Save a plan's next run and last ticket."""
        ...

    async def list(self, client_id: str | None = None) -> Sequence[MaintenancePlan]:
        """Plans, optionally of one client."""
        ...


def sla_store(uow: UnitOfWork) -> SlaStore:
    """Return the unit of work's SLA store.

    Raises:
        RuntimeError: SLA tracking is off for this unit (give its factory an SLA configuration at start-up).
    """
    if uow.sla is None:
        raise RuntimeError("SLA tracking is off for this unit of work; build its factory with an SLA config")
    return uow.sla


def maintenance_store(uow: UnitOfWork) -> MaintenanceStore:
    """Return the unit of work's maintenance plans.

    Raises:
        RuntimeError: this unit keeps no maintenance plans.
    """
    if uow.maintenance is None:
        raise RuntimeError("this unit of work keeps no maintenance plans")
    return uow.maintenance
