"""SLA alerts in chat: warnings to the assignee, breaches to supervisors with buttons, and their answers.

Integration points the engine calls (kept stable; the bodies grow with the SLA work):
- `notify(uow, out, ticket, event, now)` for SLA domain events the notifier does not know itself;
- `on_button(turn, person, action)` for staff button actions whose head is "sla".
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ticket_core.events import DomainEvent
from ticket_core.model import Ticket
from ticket_core.ports import UnitOfWork

if TYPE_CHECKING:
    from dialogue.identity import StaffPerson
    from dialogue.outgoing import Outgoing
    from dialogue.turn import Turn

SLA_EVENT_PREFIX = "sla_"


def handles(event: DomainEvent) -> bool:
    """Tell whether an event is an SLA event this module turns into messages."""
    return event.name.startswith(SLA_EVENT_PREFIX)


async def notify(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: DomainEvent, now: datetime) -> None:
    """Turn an SLA event into messages (nothing yet: the SLA alerts are being built)."""
    return None


async def on_button(turn: Turn, person: StaffPerson, action: str) -> None:
    """Handle an SLA alert button (none are sent yet, so any press is out of date)."""
    turn.say("bad_button")
