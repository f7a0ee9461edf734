"""Monitoring alerts into tickets (#19): an alert opens a ticket (priority from severity, routed like any
other), repeats of its fingerprint add to the open ticket, and a resolved alert notes the recovery on it (and,
when its type says so, resolves it if nobody has started work)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ticket_core.enums import OPEN_STATUSES, Role, TicketStatus, Visibility
from ticket_core.equipment.alerts import Alert, AlertState
from ticket_core.equipment.events import AlertReceived
from ticket_core.equipment.model import AlertThread, EquipmentType, Unit
from ticket_core.errors import Forbidden, ValidationFailed
from ticket_core.events import TicketResolved
from ticket_core.model import Actor, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.transitions import Action
from ticket_core.usecases._common import apply, require_utc, save
from ticket_core.usecases.comments import add_comment
from ticket_core.usecases.offers import withdraw_pending_offers
from ticket_core.usecases.opening import TicketDraft, open_ticket

UNTARGETED_CATEGORY = "other"
RECOVERABLE = frozenset({TicketStatus.NEW, TicketStatus.OFFERED, TicketStatus.REOPENED})
"""Statuses in which nobody has started work: a recovery may resolve the ticket."""


@dataclass(frozen=True, slots=True)
class AlertOutcome:
    """What one alert did: opened, added, recovered, resolved or ignored (a recovery of nothing open)."""

    fingerprint: str
    outcome: str
    ticket: Ticket | None = None


async def _target(uow: UnitOfWork, alert: Alert) -> tuple[str, str, Unit | None, EquipmentType | None, str]:
    """(client id, site id, unit, its type, category) the alert is about."""
    if alert.unit:
        found = await uow.equipment.find_with_type(alert.unit)
        if found is None:
            raise ValidationFailed(
                "No unit '{unit}' in the registry: label 'unit' is its sticker code or id.", unit=alert.unit
            )
        unit, equipment_type = found
        return (
            unit.client_id,
            unit.site_id,
            unit,
            equipment_type,
            equipment_type.category if equipment_type else UNTARGETED_CATEGORY,
        )
    site = await uow.directory.get_site(alert.site_id or "")
    if site is None:
        raise ValidationFailed("No site '{site}': label 'site' is a site id.", site=alert.site_id)
    return site.client_id, site.id, None, None, alert.category or UNTARGETED_CATEGORY


async def receive_alert(uow: UnitOfWork, actor: Actor, alert: Alert, now: datetime) -> AlertOutcome:
    """Turn one alert into a ticket change.

    Concurrent alerts of one fingerprint meet at its row (`EquipmentRepository.claim_alert`): one opens the
    ticket, the others add to it, so a burst never opens two tickets.

    Raises:
        Forbidden: the actor may not open tickets for clients.
        ValidationFailed: the alert names no known unit or site.
    """
    require_utc(now)
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM):
        raise Forbidden("Only an integration (a supervisor's token) or the system sends alerts.")
    client_id, site_id, unit, equipment_type, category = await _target(uow, alert)
    if alert.state is AlertState.RESOLVED:
        return await _recovered(uow, actor, alert, equipment_type, now)
    # A fingerprint seen before has its row: lock it at once (one statement fewer for every repeat). Only the
    # first alerts make it, and a concurrent first waits in claim_alert for the one making it.
    thread = await uow.equipment.lock_alert(alert.fingerprint)
    if thread is None:
        await uow.equipment.claim_alert(alert.fingerprint, now)
        thread = await uow.equipment.lock_alert(alert.fingerprint)
    if thread is None:  # pragma: no cover - claim_alert has just made it
        raise RuntimeError(f"alert row {alert.fingerprint} vanished")
    ticket = await uow.tickets.get(thread.ticket_id) if thread.ticket_id else None
    if ticket is not None and ticket.status in OPEN_STATUSES:
        thread.alerts, thread.last_at, thread.state = thread.alerts + 1, now, str(AlertState.FIRING)
        await uow.equipment.save_alert(thread)
        _event(uow, actor, alert, ticket, "added", thread.alerts, now)
        return AlertOutcome(alert.fingerprint, "added", ticket)
    draft = TicketDraft(
        client_id=client_id,
        category=category,
        description=f"[monitoring] {alert.summary}",
        priority=alert.priority,
        site_id=site_id,
        source_channel="monitoring",
        unit_id=unit.id if unit else None,
        unit_via="alert",
    )
    ticket = await open_ticket(uow, actor, draft, now)
    fresh = AlertThread(
        fingerprint=alert.fingerprint,
        ticket_id=ticket.id,
        state=str(AlertState.FIRING),
        alerts=1,
        first_at=now,
        last_at=now,
        unit_id=unit.id if unit else None,
        summary=alert.summary,
    )
    await uow.equipment.save_alert(fresh)
    _event(uow, actor, alert, ticket, "opened", 1, now)
    return AlertOutcome(alert.fingerprint, "opened", ticket)


async def _recovered(
    uow: UnitOfWork, actor: Actor, alert: Alert, equipment_type: EquipmentType | None, now: datetime
) -> AlertOutcome:
    thread = await uow.equipment.lock_alert(alert.fingerprint)
    if thread is None:
        # The fingerprint's first alert may be opening its ticket right now, its row made but not committed
        # (a monitor that sends firing and resolved close together, or an app running behind): claiming the
        # row waits for that transaction, as a concurrent firing alert does, and then the row is there. With
        # nothing in flight the claim leaves an empty row, which the next firing alert fills as a new one.
        await uow.equipment.claim_alert(alert.fingerprint, now)
        thread = await uow.equipment.lock_alert(alert.fingerprint)
    ticket = await uow.tickets.get(thread.ticket_id) if thread and thread.ticket_id else None
    if thread is None or ticket is None or ticket.status not in OPEN_STATUSES:
        return AlertOutcome(alert.fingerprint, "ignored", ticket)
    thread.state, thread.last_at = str(AlertState.RESOLVED), now
    await uow.equipment.save_alert(thread)
    await add_comment(
        uow,
        actor,
        ticket.id,
        now,
        f"Monitoring: recovered / мониторинг: восстановлено — {alert.summary}",
        Visibility.INTERNAL,
    )
    outcome = "recovered"
    if equipment_type is not None and equipment_type.resolve_on_recovery and ticket.status in RECOVERABLE:
        ticket = await _resolve_on_recovery(uow, actor, ticket.id, now)
        outcome = "resolved"
    _event(uow, actor, alert, ticket, outcome, thread.alerts, now)
    return AlertOutcome(alert.fingerprint, outcome, ticket)


async def _resolve_on_recovery(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime) -> Ticket:
    ticket = await uow.tickets.get(ticket_id)
    assert ticket is not None
    apply(ticket, Action.RECOVER, actor, now)
    ticket.resolution_note = "Recovered by itself before work started (monitoring)."
    await save(uow, ticket)
    offered_to = await withdraw_pending_offers(uow, ticket.id, now, "recovered")
    uow.record(
        TicketResolved(
            ticket_id=ticket.id, actor=actor, at=now, note=ticket.resolution_note, offered_to=offered_to
        )
    )
    return ticket


def _event(
    uow: UnitOfWork, actor: Actor, alert: Alert, ticket: Ticket, outcome: str, count: int, now: datetime
) -> None:
    uow.record(
        AlertReceived(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            fingerprint=alert.fingerprint,
            state=str(alert.state),
            severity=alert.severity,
            outcome=outcome,
            count=count,
        )
    )
