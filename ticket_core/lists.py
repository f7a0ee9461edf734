"""What the read models list: the filters and rows of the admin's and the REST API's ticket and directory
lists. The ports that return them are `ticket_core.ports.TicketLists` and `DirectoryLists`; `storage/read_models`
implements them in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ticket_core.enums import Priority, TicketStatus
from ticket_core.model import Ticket
from ticket_core.sla.escalation import EscalationRule

CHOICES_MAX = 5000
"""A company has hundreds of clients, not millions; a filter's choices stop here."""


class SlaFilter(StrEnum):
    """The SLA state a ticket list can be narrowed to (from the alerts the SLA worker has recorded)."""

    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """Which tickets a staff list shows (the admin's and the API's); every set field must match.

    (A client's own list in the portal and the chat is `ticket_core.model.TicketQuery`.)
    """

    statuses: tuple[TicketStatus, ...] = ()
    client_id: str | None = None
    site_id: str | None = None
    assignee_id: str | None = None
    priority: Priority | None = None
    sla: SlaFilter | None = None  # needs the escalation ladder (the admin's list)


@dataclass(frozen=True, slots=True)
class TicketRow:
    """One line of the admin's ticket list."""

    ticket: Ticket
    sla: SlaFilter
    client_name: str | None = None
    site_name: str | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """One client or site a filter can pick: its id, its name and (for a site) whose it is."""

    id: str
    name: str
    detail: str = ""


def breach_levels(ladder: Iterable[EscalationRule]) -> tuple[list[int], list[int]]:
    """Split the escalation ladder into warning levels (before the target) and breach levels."""
    rules = list(ladder)
    return [r.level for r in rules if r.share < 1], [r.level for r in rules if r.share >= 1]


def sla_state(is_open: bool, worst_level: int | None, ladder: Iterable[EscalationRule]) -> SlaFilter:
    """A ticket's SLA state from whether it is open and the highest alert level recorded for it."""
    if not is_open:
        return SlaFilter.DONE
    warn, breach = breach_levels(ladder)
    if worst_level is not None and worst_level in breach:
        return SlaFilter.BREACHED
    if worst_level is not None and worst_level in warn:
        return SlaFilter.AT_RISK
    return SlaFilter.OK
