"""SLA domain events: alerts sent, acknowledged, extensions, priority changes and reassignments.

Alert events are named "sla_*"; the bus hands them to `dialogue.sla_alerts` (`dialogue.notifications`). `priority_changed` and
`ticket_reassigned` are ticket changes that other parts (routing, the SLA clock) react to as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ticket_core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class SlaAlertEvent(DomainEvent):
    """An alert the ladder raised for one clock: which clock, which rung, how much time was used, for whom."""

    kind: str
    level: int
    share: float
    notify: str
    due_at: str | None = None


@dataclass(frozen=True, kw_only=True)
class SlaWarning(SlaAlertEvent):
    """A clock used the warning share of its target (level 0: the assignee is warned)."""

    name: ClassVar[str] = "sla_warning"


@dataclass(frozen=True, kw_only=True)
class SlaBreached(SlaAlertEvent):
    """A clock reached its target (level 1: every supervisor is alerted, with buttons)."""

    name: ClassVar[str] = "sla_breached"


@dataclass(frozen=True, kw_only=True)
class SlaEscalated(SlaAlertEvent):
    """A breached clock kept running to a higher rung of the ladder (L2, L3, head of service)."""

    name: ClassVar[str] = "sla_escalated"


@dataclass(frozen=True, kw_only=True)
class SlaAcknowledged(DomainEvent):
    """A supervisor took charge of an alert; `actor` says who."""

    name: ClassVar[str] = "sla_acknowledged"
    kind: str
    level: int


@dataclass(frozen=True, kw_only=True)
class SlaExtended(DomainEvent):
    """A supervisor gave a clock more business time, with a reason."""

    name: ClassVar[str] = "sla_extended"
    clock: str
    minutes: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class PriorityChanged(DomainEvent):
    """The ticket's priority changed; the new target applies to the time counted so far."""

    name: ClassVar[str] = "priority_changed"
    old: str
    new: str


@dataclass(frozen=True, kw_only=True)
class TicketReassigned(DomainEvent):
    """A supervisor took a job from its engineer: back to the queue, or offered to a named engineer."""

    name: ClassVar[str] = "ticket_reassigned"
    previous_assignee_id: str | None
    to_engineer_id: str | None = None
    reason: str | None = None


ALERT_EVENTS = (SlaWarning, SlaBreached, SlaEscalated)
"""The events that carry an escalation alert, by rung: warning, breach, anything above."""

SLA_EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.name: cls
    for cls in (
        SlaWarning,
        SlaBreached,
        SlaEscalated,
        SlaAcknowledged,
        SlaExtended,
        PriorityChanged,
        TicketReassigned,
    )
}
"""Every event of this module by name, like `ticket_core.events.EVENT_TYPES`."""
