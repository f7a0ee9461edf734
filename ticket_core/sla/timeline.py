"""A ticket's SLA timeline: domain events (stored or just recorded) turned into the clock's facts.

The event log is the source of truth: every pause, resume, reopen, priority change and extension is there.
The first response comes from `ticket.first_response_at` (set by an accept or the first public staff
comment), so the clock and the ticket agree on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from ticket_core.enums import Priority
from ticket_core.events import DomainEvent
from ticket_core.model import Ticket
from ticket_core.sla.clock import (
    Extended,
    Fact,
    FirstResponse,
    Opened,
    Paused,
    Reopened,
    Reprioritised,
    Resolved,
    Resumed,
    SlaKind,
)

EventLike = DomainEvent | Mapping[str, Any]
"""A recorded event object, or an event-log row (a dict with name, at and data)."""

# A job taken back to the queue is no longer waiting for the client or for parts, so a pause ends there.
_RESUMING = frozenset({"work_resumed", "ticket_returned_to_queue", "ticket_reassigned"})


def _as_row(event: EventLike) -> tuple[str, datetime, Mapping[str, Any], str | None]:
    if isinstance(event, DomainEvent):
        return event.name, event.at, event.data(), event.actor.id
    actor = event.get("actor") or {}
    return str(event["name"]), event["at"], event.get("data") or {}, actor.get("id")


def _key(name: str, at: datetime, data: Mapping[str, Any]) -> str:
    return f"{name}|{at.isoformat()}|{json.dumps(data, sort_keys=True, default=str)}"


def merge_events(stored: Iterable[EventLike], recorded: Iterable[EventLike]) -> list[EventLike]:
    """Return the stored events plus the recorded ones not stored yet (same name, time and data = same)."""
    out = list(stored)
    seen = {_key(*_as_row(e)[:3]) for e in out}
    for event in recorded:
        key = _key(*_as_row(event)[:3])
        if key not in seen:
            seen.add(key)
            out.append(event)
    return out


def timeline_from_events(ticket: Ticket, events: Iterable[EventLike]) -> list[Fact]:
    """Return the clock's facts for a ticket from its events, in time order.

    The opening priority is the one in `ticket_opened` (or, when the log lacks it, the old priority of the
    first change, else the ticket's). Events the clock does not care about are skipped; malformed ones too,
    so one bad row never stops the SLA of a ticket.
    """
    rows = sorted((_as_row(e) for e in events), key=lambda r: r[1])
    facts: list[Fact] = []
    opened_priority: Priority | None = None
    first_change_old: Priority | None = None
    opened_at = ticket.created_at
    for name, at, data, actor_id in rows:
        try:
            fact = _fact(name, at, data, actor_id)
        except (KeyError, TypeError, ValueError):
            continue
        if name == "ticket_opened":
            opened_at = at
            opened_priority = Priority(data.get("priority", ticket.priority))
        elif name == "priority_changed" and first_change_old is None and "old" in data:
            first_change_old = Priority(data["old"])
        if fact is not None:
            facts.append(fact)
    priority = opened_priority or first_change_old or ticket.priority
    opened: list[Fact] = [Opened(opened_at, priority)]
    if ticket.first_response_at is not None:
        opened.append(FirstResponse(ticket.first_response_at))
    return sorted(opened + [f for f in facts if f.at >= opened_at], key=lambda f: f.at)


def _fact(name: str, at: datetime, data: Mapping[str, Any], actor_id: str | None) -> Fact | None:
    if name == "ticket_put_on_hold":
        return Paused(at, str(data.get("reason") or ""))
    if name in _RESUMING:
        return Resumed(at)
    if name == "ticket_resolved":
        return Resolved(at)
    if name == "ticket_reopened":
        return Reopened(at)
    if name == "priority_changed":
        return Reprioritised(at, Priority(data["new"]))
    if name == "sla_extended":
        return Extended(
            at,
            timedelta(minutes=int(data["minutes"])),
            str(data["reason"]),
            SlaKind(data.get("clock", SlaKind.RESOLUTION)),
            actor_id,
        )
    return None
