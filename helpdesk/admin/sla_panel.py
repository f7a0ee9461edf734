"""A ticket's SLA panel as the admin reads it: each clock's state and due time and, once the ticket is done
with (resolved, closed or cancelled), that its clocks stopped and when.

The SLA engine (`ticket_core.sla.clock`) knows the resolve, not the cancel: a cancelled ticket's clocks, asked
at "now", still run and read "on time" with a due time (seen in the working day's screenshots). The page
evaluates a cancelled ticket at its cancel instead (`evaluated_at`), and a clock that was neither met nor
breached by then reads "stopped", without a due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from helpdesk.admin.i18n import _
from ticket_core.enums import OPEN_STATUSES, TicketStatus
from ticket_core.model import Ticket
from ticket_core.sla.clock import SlaState, SlaStatus

STOPPED = {
    TicketStatus.RESOLVED: _("The clocks stopped when the ticket was resolved, {when}."),
    TicketStatus.CLOSED: _("The clocks stopped when the ticket was resolved, {when}; it is closed now."),
    TicketStatus.CANCELLED: _("The clocks stopped when the ticket was cancelled, {when}."),
}
"""What the panel says of a ticket no longer open, by its status (its English, translated where shown)."""


@dataclass(frozen=True, slots=True)
class ClockRow:
    """One clock's line: its kind, its state (a key of `labels.SLA_STATES`), target and elapsed seconds, and
    when it is due, was met or breached (None where it does not apply)."""

    kind: str
    status: str
    target_s: float
    elapsed_s: float
    due_at: datetime | None
    met_at: datetime | None


@dataclass(frozen=True, slots=True)
class SlaPanel:
    """The clocks' lines and, for a ticket no longer open, the sentence saying they stopped (else "")."""

    clocks: tuple[ClockRow, ...]
    stopped: str
    stopped_at: datetime | None


def stopped_at(ticket: Ticket) -> datetime | None:
    """When a ticket's clocks stopped for good: its cancel or its resolve; None while it is open."""
    if ticket.status in OPEN_STATUSES:
        return None
    if ticket.status is TicketStatus.CANCELLED:
        return ticket.cancelled_at or ticket.updated_at
    return ticket.resolved_at


def evaluated_at(ticket: Ticket, now: datetime) -> datetime:
    """The instant to evaluate the panel's clocks at: a cancelled ticket's cancel (nothing counts after it),
    else `now` (a resolve already stops the clocks in the engine)."""
    at = stopped_at(ticket) if ticket.status is TicketStatus.CANCELLED else None
    return at if at is not None and ticket.created_at <= at < now else now


def sla_panel(ticket: Ticket, state: SlaState) -> SlaPanel:
    """The panel of a ticket whose clocks were evaluated (at `evaluated_at`) into `state`."""
    done = ticket.status not in OPEN_STATUSES
    rows = []
    for clock in state.clocks:
        status, due = str(clock.status), clock.due_at
        if done and not clock.is_met:
            # Not met and no longer running: breached if it was by then, else simply stopped (no due time).
            status = str(SlaStatus.BREACHED) if clock.breached_at is not None else "stopped"
            due = clock.breached_at
        rows.append(
            ClockRow(
                str(clock.kind),
                status,
                clock.target.total_seconds(),
                clock.elapsed.total_seconds(),
                due,
                clock.met_at,
            )
        )
    return SlaPanel(tuple(rows), STOPPED.get(ticket.status, "") if done else "", stopped_at(ticket))
