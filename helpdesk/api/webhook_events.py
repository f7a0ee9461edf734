"""Which domain events become webhook deliveries, and what each delivery says. Pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ticket_core import events as ev
from ticket_core.enums import TicketStatus
from ticket_core.sla.events import SlaBreached


class WebhookEvent(StrEnum):
    """What a subscriber can ask for."""

    TICKET_OPENED = "ticket_opened"
    STATUS_CHANGED = "status_changed"
    SLA_BREACHED = "sla_breached"


STATUS_AFTER: dict[str, TicketStatus] = {
    ev.TicketOffered.name: TicketStatus.OFFERED,
    ev.OfferAccepted.name: TicketStatus.ACCEPTED,
    ev.TicketReturnedToQueue.name: TicketStatus.NEW,
    ev.WorkStarted.name: TicketStatus.IN_PROGRESS,
    ev.TicketPutOnHold.name: TicketStatus.ON_HOLD,
    ev.WorkResumed.name: TicketStatus.IN_PROGRESS,
    ev.TicketResolved.name: TicketStatus.RESOLVED,
    ev.TicketClosed.name: TicketStatus.CLOSED,
    ev.TicketCancelled.name: TicketStatus.CANCELLED,
    ev.TicketReopened.name: TicketStatus.REOPENED,
}
"""Domain events that move a ticket, and the status each leaves it in (the transition table's targets)."""


@dataclass(frozen=True, slots=True)
class Notice:
    """One webhook event about one ticket, before it is addressed to subscribers."""

    kind: WebhookEvent
    ticket_id: str
    at: datetime
    cause: str
    actor: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)


def _actor(event: ev.DomainEvent) -> dict[str, Any]:
    return {"role": str(event.actor.role), "id": event.actor.id, "name": event.actor.name}


def notices(events: Iterable[ev.DomainEvent]) -> list[Notice]:
    """The webhook events a run of domain events calls for, in order.

    A broadcast offers one job to several engineers at once; subscribers hear "offered" once, so a status
    equal to the one just announced for the same ticket is not repeated.
    """
    out: list[Notice] = []
    last_status: dict[str, TicketStatus] = {}
    for event in events:
        if event.ticket_id is None:
            continue
        if isinstance(event, ev.TicketOpened):
            out.append(
                Notice(
                    WebhookEvent.TICKET_OPENED,
                    event.ticket_id,
                    event.at,
                    event.name,
                    _actor(event),
                    {"number": event.number, "category": event.category, "priority": event.priority},
                )
            )
            last_status[event.ticket_id] = TicketStatus.NEW
        elif event.name in STATUS_AFTER:
            status = STATUS_AFTER[event.name]
            if last_status.get(event.ticket_id) is status:
                continue
            data: dict[str, Any] = {"status": str(status)}
            if event.ticket_id in last_status:
                data["previous_status"] = str(last_status[event.ticket_id])
            reason = getattr(event, "reason", None) or getattr(event, "note", None)
            if reason:
                data["reason"] = reason
            out.append(
                Notice(
                    WebhookEvent.STATUS_CHANGED, event.ticket_id, event.at, event.name, _actor(event), data
                )
            )
            last_status[event.ticket_id] = status
        elif isinstance(event, ev.TicketLevelRaised) and event.returned_to_queue:
            # A job escalated to a higher level left its engineer: it waits in the queue again.
            data = {"status": str(TicketStatus.NEW), "min_level": event.to_level}
            if event.ticket_id in last_status:
                data["previous_status"] = str(last_status[event.ticket_id])
            if event.reason:
                data["reason"] = event.reason
            out.append(
                Notice(
                    WebhookEvent.STATUS_CHANGED, event.ticket_id, event.at, event.name, _actor(event), data
                )
            )
            last_status[event.ticket_id] = TicketStatus.NEW
        elif isinstance(event, SlaBreached):
            out.append(
                Notice(
                    WebhookEvent.SLA_BREACHED,
                    event.ticket_id,
                    event.at,
                    event.name,
                    _actor(event),
                    {"clock": event.kind, "level": event.level, "due_at": event.due_at},
                )
            )
    return out


def envelope(delivery_id: str, notice: Notice, ticket: dict[str, Any] | None) -> dict[str, Any]:
    """The delivery as queued; the sender adds `sent_at` and signs the exact bytes it posts."""
    return {
        "id": delivery_id,
        "event": str(notice.kind),
        "occurred_at": notice.at.isoformat(),
        "cause": notice.cause,
        "actor": notice.actor,
        "ticket": ticket,
        "data": notice.data,
    }
