"""The SLA of one ticket from its ticket, events and policy: state, alerts due, next timer, texts.

Pure helpers (no I/O): the use cases in `ticket_core.usecases.sla` load the inputs and call these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ticket_core.enums import OPEN_STATUSES, TicketStatus
from ticket_core.model import Ticket
from ticket_core.sla.clock import SlaState, compute_sla
from ticket_core.sla.config import SlaConfig
from ticket_core.sla.display import format_promise, sla_badge
from ticket_core.sla.escalation import AlertKey, EscalationRule, due_alerts, next_alert_at
from ticket_core.sla.policy import SlaPolicy
from ticket_core.sla.timeline import EventLike, timeline_from_events


@dataclass(frozen=True, slots=True)
class TicketSla:
    """A ticket's SLA at an instant: the state, the alerts to send and when to look again."""

    state: SlaState
    policy: SlaPolicy
    due: tuple[AlertKey, ...]
    next_at: datetime | None


def is_tracked(ticket: Ticket) -> bool:
    """Tell whether the SLA of a ticket is still evaluated (open; a cancelled ticket is simply dropped)."""
    return ticket.status in OPEN_STATUSES


def ticket_sla_state(
    ticket: Ticket, events: Iterable[EventLike], policy: SlaPolicy, now: datetime, at_risk_share: float = 0.75
) -> SlaState:
    """Compute the ticket's clocks at `now` from its events under `policy`."""
    return compute_sla(policy, timeline_from_events(ticket, events), now, at_risk_share=at_risk_share)


def evaluate(
    ticket: Ticket,
    events: Iterable[EventLike],
    policy: SlaPolicy,
    now: datetime,
    ladder: Iterable[EscalationRule],
    already_sent: Iterable[AlertKey] = (),
    at_risk_share: float = 0.75,
) -> TicketSla:
    """Return the state, the alert keys due now (not sent yet, oldest first) and the next evaluation time."""
    rules = tuple(ladder)
    sent = set(already_sent)
    state = ticket_sla_state(ticket, events, policy, now, at_risk_share)
    due = tuple(a.key for a in due_alerts(state, rules, sent))
    # Once the due alerts are recorded the next look is at the next rung, not "now" again.
    next_at = next_alert_at(state, rules, sent | set(due))
    return TicketSla(state, policy, due, next_at)


def policy_of(config: SlaConfig, ticket: Ticket, contract_id: str | None, site_tz: str | None) -> SlaPolicy:
    """The effective policy of a ticket under a configuration."""
    return config.policy_for(ticket.category, contract_id, site_tz)


def promise_text(state: SlaState, *, lang: str, tz: str) -> str | None:
    """What the client is promised: the resolution due time in their language and the site's zone.

    None once the work is done (there is nothing left to promise).
    """
    due = state.resolution.due_at
    if state.resolved or due is None:
        return None
    return format_promise(due, lang=lang, tz=tz, now=state.now)


def staff_badge(state: SlaState, lang: str) -> str:
    """The SLA badge for a staff card (`sla_badge`)."""
    return sla_badge(state, lang)


def is_final(status: TicketStatus) -> bool:
    """Tell whether a ticket in this status never needs its timer again (closed or cancelled)."""
    return status in (TicketStatus.CLOSED, TicketStatus.CANCELLED)
