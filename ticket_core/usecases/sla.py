"""SLA use cases: evaluate a ticket's clocks and record alerts, (re)schedule its timer, and the supervisor's
answers to an alert: acknowledge, extend (with a reason), change or raise the priority (reassigning a job is
`ticket_core.usecases.reassign`).

Every change records an event; the SLA-relevant ones re-schedule the ticket's timer in the same unit of work.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ticket_core.enums import Priority, Role, TicketStatus
from ticket_core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from ticket_core.events import TicketOpened
from ticket_core.model import Actor, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.sla.clock import SlaKind, SlaState
from ticket_core.sla.config import DEFAULT_CONFIG, SlaConfig
from ticket_core.sla.escalation import AlertKey, EscalationRule, next_alert_at
from ticket_core.sla.events import (
    PriorityChanged,
    SlaAcknowledged,
    SlaAlertEvent,
    SlaBreached,
    SlaEscalated,
    SlaExtended,
    SlaWarning,
)
from ticket_core.sla.ports import AlertRecord, SlaStore, TimerStatus, sla_store
from ticket_core.sla.service import TicketSla, evaluate, is_tracked, promise_text, staff_badge
from ticket_core.sla.timeline import merge_events
from ticket_core.usecases._common import clean_text, load_ticket, require_utc, save

MAX_EXTENSION = timedelta(days=30)
MAX_REASON = 500
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
_PRIORITY_ORDER = (Priority.P1, Priority.P2, Priority.P3, Priority.P4)


def _config(uow: UnitOfWork) -> SlaConfig:
    return uow.sla.config if uow.sla is not None else DEFAULT_CONFIG


def require_supervisor(actor: Actor, what: str) -> None:
    """Refuse anyone but a supervisor or an admin, naming what they tried (`what`, a listed value word)."""
    if actor.role not in SUPERVISING:
        raise Forbidden("Only a supervisor can {what}. Ask the supervisor on duty.", what=what)


async def _site_tz(uow: UnitOfWork, ticket: Ticket, config: SlaConfig) -> str:
    site = await uow.directory.get_site(ticket.site_id) if ticket.site_id else None
    return site.timezone if site is not None else config.timezone


def _opened_here(uow: UnitOfWork, ticket_id: str) -> bool:
    """Whether this unit of work opened the ticket: then the event log holds nothing of it that the unit did not
    record itself, and no SLA alert has been sent for it, so neither needs a read (an opening evaluates its SLA
    twice, for its timer and for the offer card's badge: four round trips that could only answer nothing)."""
    return any(isinstance(e, TicketOpened) and e.ticket_id == ticket_id for e in uow.collected)


async def sla_of(
    uow: UnitOfWork, ticket: Ticket, now: datetime, already_sent: set[AlertKey] | None = None
) -> TicketSla:
    """Evaluate a ticket's SLA at `now` from its stored and just-recorded events, under its policy.

    `already_sent` defaults to the alerts stored for the ticket (none while SLA tracking is off).
    """
    require_utc(now)
    config = _config(uow)
    opened_here = _opened_here(uow, ticket.id)
    stored = [] if opened_here else await uow.events.list_for_ticket(ticket.id)
    events = merge_events(stored, [e for e in uow.collected if e.ticket_id == ticket.id])
    contract = await uow.directory.get_contract(ticket.client_id)
    policy = config.policy_for(
        ticket.category, contract.id if contract else None, await _site_tz(uow, ticket, config)
    )
    if already_sent is None:
        store = uow.sla
        already_sent = (
            {a.key for a in await store.alerts(ticket.id)} if store is not None and not opened_here else set()
        )
    return evaluate(ticket, events, policy, now, config.ladder, already_sent, config.at_risk_share)


def _next_level(state: SlaState, ladder: tuple[EscalationRule, ...], sent: set[AlertKey]) -> int | None:
    levels = [r.level for c in state.clocks if not c.is_met for r in ladder if (c.kind, r.level) not in sent]
    return min(levels) if levels else None


async def _store_timer(
    store: SlaStore, ticket: Ticket, sla: TicketSla, sent: set[AlertKey], now: datetime
) -> None:
    level = _next_level(sla.state, store.config.ladder, sent)
    if sla.next_at is None:
        await store.set_timer(ticket.id, None, level, TimerStatus.IDLE, now)
    else:
        await store.set_timer(ticket.id, sla.next_at, level, TimerStatus.PENDING, now)


async def reschedule(uow: UnitOfWork, ticket: Ticket, now: datetime) -> datetime | None:
    """(Re)compute when the ticket's timer fires and store it; return that time (None: nothing to wait for).

    Call it after every change the clock depends on (opened, on hold, resumed, resolved, reopened, priority
    changed, extended, cancelled, closed). Alerts already due fire at `now` on the worker's next tick; a
    ticket that is no longer open has its timer marked done.
    """
    store = uow.sla
    if store is None:
        return None  # SLA tracking is off: there is no timer to move
    if not is_tracked(ticket):
        await store.set_timer(ticket.id, None, None, TimerStatus.DONE, now)
        return None
    sent = set() if _opened_here(uow, ticket.id) else {a.key for a in await store.alerts(ticket.id)}
    sla = await sla_of(uow, ticket, now, sent)
    due_now = sla.state.now if sla.due else None
    at = due_now or next_alert_at(sla.state, store.config.ladder, sent)
    pending = TicketSla(sla.state, sla.policy, sla.due, at)
    await _store_timer(store, ticket, pending, sent, now)
    return at


def _alert_event(
    ticket: Ticket, rule: EscalationRule, kind: SlaKind, due_at: datetime | None, now: datetime
) -> SlaAlertEvent:
    cls: type[SlaWarning] | type[SlaBreached] | type[SlaEscalated]
    cls = SlaWarning if rule.share < 1 else SlaBreached if rule.share == 1 else SlaEscalated
    return cls(
        ticket_id=ticket.id,
        actor=Actor.system(),
        at=now,
        kind=str(kind),
        level=rule.level,
        share=rule.share,
        notify=rule.notify,
        due_at=due_at.isoformat() if due_at else None,
    )


async def record_sla_alert(
    uow: UnitOfWork,
    ticket: Ticket,
    kind: SlaKind,
    rule: EscalationRule,
    due_at: datetime | None,
    now: datetime,
) -> bool:
    """Store an alert and record its event (the bus's handlers turn it into messages); False if sent before.

    The store's unique (ticket, kind, level) makes a retried or concurrent evaluation send nothing twice.
    """
    if not await sla_store(uow).add_alert(ticket.id, kind, rule.level, rule.notify, now):
        return False
    uow.record(_alert_event(ticket, rule, kind, due_at, now))
    return True


async def check_sla(uow: UnitOfWork, ticket_id: str, now: datetime) -> list[AlertKey]:
    """The timer's work for one ticket: record the alerts due now and schedule the next evaluation.

    Returns the (kind, level) keys whose alerts were recorded in this unit.
    """
    store = sla_store(uow)
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None or not is_tracked(ticket):
        if ticket is not None:
            await store.set_timer(ticket.id, None, None, TimerStatus.DONE, now)
        return []
    sent = {a.key for a in await store.alerts(ticket.id)}
    sla = await sla_of(uow, ticket, now, sent)
    rules = {r.level: r for r in store.config.ladder}
    recorded: list[AlertKey] = []
    for kind, level in sla.due:
        clock = sla.state.clock(kind)
        if await record_sla_alert(uow, ticket, kind, rules[level], clock.due_at, now):
            recorded.append((kind, level))
    await _store_timer(store, ticket, sla, sent | set(sla.due), now)
    return recorded


def _parse_key(text: str | None) -> AlertKey | None:
    if not text:
        return None
    try:
        kind, level = text.split("-", 1)
        return (SlaKind(kind), int(level))
    except ValueError:
        return None


async def acknowledge_alert(
    uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime, key: AlertKey | None = None
) -> AlertRecord:
    """Record that a supervisor took charge of an alert (the given one, else the newest breach alert).

    Raises:
        Forbidden: the actor is not a supervisor or admin.
        NotFound: no such alert was sent for the ticket.
        InvalidTransition: it was acknowledged already (the message says by whom).
    """
    require_utc(now)
    require_supervisor(actor, "acknowledge SLA alerts")
    ticket = await load_ticket(uow, ticket_id)
    store = sla_store(uow)
    alerts = await store.alerts(ticket.id)
    if key is None:
        candidates = [a for a in alerts if a.level >= 1] or alerts
        alert = max(candidates, key=lambda a: (a.acknowledged_by is None, a.sent_at, a.level), default=None)
    else:
        alert = next((a for a in alerts if a.key == key), None)
    if alert is None:
        raise NotFound("There is no SLA alert on {ref} to acknowledge.", ref=ticket.ref)
    if alert.acknowledged_by is not None:
        who = await uow.directory.get_staff(alert.acknowledged_by)
        raise InvalidTransition(
            "The SLA alert on {ref} was already acknowledged by {who}.",
            ref=ticket.ref,
            who=who.name if who else alert.acknowledged_by,
        )
    if not await store.acknowledge(ticket.id, alert.kind, alert.level, actor.id, now):
        raise InvalidTransition(
            "The SLA alert on {ref} was just acknowledged by someone else.", ref=ticket.ref
        )
    uow.record(
        SlaAcknowledged(ticket_id=ticket.id, actor=actor, at=now, kind=str(alert.kind), level=alert.level)
    )
    return AlertRecord(alert.ticket_id, alert.kind, alert.level, alert.notify, alert.sent_at, actor.id, now)


async def extend_sla(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: str,
    now: datetime,
    by: timedelta,
    reason: str,
    clock: SlaKind = SlaKind.RESOLUTION,
) -> Ticket:
    """Give one clock of an open ticket more business time, with a reason, and re-schedule its timer.

    Raises:
        Forbidden: the actor is not a supervisor or admin.
        ValidationFailed: no reason, or a duration outside 1 minute .. 30 days.
        InvalidTransition: the ticket is not open, or that clock is met already.
    """
    require_utc(now)
    require_supervisor(actor, "extend an SLA")
    text = clean_text(reason, field="reason for the extension", max_len=MAX_REASON, required=True) or ""
    if not timedelta(minutes=1) <= by <= MAX_EXTENSION:
        raise ValidationFailed("An extension must be between 1 minute and 30 days.")
    ticket = await load_ticket(uow, ticket_id)
    if not is_tracked(ticket):
        raise InvalidTransition(
            "Ticket {ref} is {status}; its SLA no longer runs.",
            ref=ticket.ref,
            status=ticket.status,
        )
    if clock is SlaKind.RESPONSE and ticket.first_response_at is not None:
        raise InvalidTransition(
            "The client of {ref} was answered already; extend the resolution time instead.", ref=ticket.ref
        )
    uow.record(
        SlaExtended(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            clock=str(clock),
            minutes=int(by.total_seconds() // 60),
            reason=text,
        )
    )
    await reschedule(uow, ticket, now)
    return ticket


async def change_priority(
    uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime, priority: Priority
) -> Ticket:
    """Set an open ticket's priority; its target then applies to all time counted so far.

    Raises:
        Forbidden: the actor is not a supervisor, admin or the system.
        InvalidTransition: the ticket is not open, or already has that priority.
    """
    require_utc(now)
    if actor.role is not Role.SYSTEM:
        require_supervisor(actor, "change a priority")
    ticket = await load_ticket(uow, ticket_id)
    if not is_tracked(ticket):
        raise InvalidTransition(
            "Ticket {ref} is {status}; its priority is final.", ref=ticket.ref, status=ticket.status
        )
    new = Priority(priority)
    if new is ticket.priority:
        raise InvalidTransition("Ticket {ref} is {new} already.", ref=ticket.ref, new=new)
    old = ticket.priority
    ticket.priority = new
    ticket.updated_at = now
    await save(uow, ticket)
    uow.record(PriorityChanged(ticket_id=ticket.id, actor=actor, at=now, old=str(old), new=str(new)))
    await reschedule(uow, ticket, now)
    return ticket


async def raise_priority(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime) -> Ticket:
    """Raise an open ticket's priority one step (P3 -> P2); P1 cannot go higher.

    Raises:
        InvalidTransition: the ticket is P1 already or not open.
    """
    ticket = await load_ticket(uow, ticket_id)
    index = _PRIORITY_ORDER.index(ticket.priority)
    if index == 0:
        raise InvalidTransition("Ticket {ref} is P1 already, the highest priority.", ref=ticket.ref)
    return await change_priority(uow, actor, ticket_id, now, _PRIORITY_ORDER[index - 1])


async def sla_promise(uow: UnitOfWork, ticket: Ticket, now: datetime, lang: str) -> str | None:
    """The client's promise for a ticket ("до 14:30 ср, 4 марта" / "by 2:30 PM Wed, 4 March") in the site's zone.

    None when the ticket is no longer open.
    """
    if not is_tracked(ticket):
        return None
    config = _config(uow)
    sla = await sla_of(uow, ticket, now)
    return promise_text(sla.state, lang=lang, tz=await _site_tz(uow, ticket, config))


async def sla_badge_for(uow: UnitOfWork, ticket: Ticket, now: datetime, lang: str) -> str | None:
    """The SLA badge for a staff card ("SLA: 1 h 20 min left", "SLA: нарушен 35 мин назад"); None if closed."""
    if ticket.status in (TicketStatus.CLOSED, TicketStatus.CANCELLED):
        return None
    sla = await sla_of(uow, ticket, now)
    return staff_badge(sla.state, lang)


def parse_alert_key(text: str | None) -> AlertKey | None:
    """Parse "resolution-1" into (SlaKind.RESOLUTION, 1); None when malformed."""
    return _parse_key(text)
