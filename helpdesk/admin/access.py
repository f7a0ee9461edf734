"""Who may do what in the web admin: one table of areas per role, used by the guard and by the use cases."""

from __future__ import annotations

from enum import StrEnum

from helpdesk.admin.i18n import _
from ticket_core.enums import Role
from ticket_core.errors import Forbidden
from ticket_core.model import Actor


class Area(StrEnum):
    """A part of the admin that one permission covers."""

    DASHBOARD = "dashboard"
    KB_READ = "kb_read"
    KB_WRITE = "kb_write"
    TICKETS = "tickets"
    STAFF_READ = "staff_read"
    STAFF_WRITE = "staff_write"
    STAFF_PROFILE = "staff_profile"
    DIRECTORY = "directory"
    SLA = "sla"
    REPORTS = "reports"
    MESSAGES = "messages"  # dead letters and undelivered messages: see them, replay, retry
    EQUIPMENT = "equipment"  # the registry: units, import and export, stickers
    BILLING = "billing"  # clients' accounts: payments, the ledger, acts


GRANTS: dict[Role, frozenset[Area]] = {
    Role.ADMIN: frozenset(Area),
    Role.SUPERVISOR: frozenset(
        {
            Area.DASHBOARD,
            Area.KB_READ,
            Area.TICKETS,
            Area.STAFF_READ,
            Area.STAFF_WRITE,
            Area.DIRECTORY,
            Area.SLA,
            Area.REPORTS,
            Area.MESSAGES,
            Area.EQUIPMENT,
            Area.BILLING,
        }
    ),
}
"""Engineers (and anyone else) have no admin area: they work from the staff chat."""


def may(role: Role | str, area: Area) -> bool:
    """Tell whether a role may use an area."""
    try:
        return area in GRANTS.get(Role(role), frozenset())
    except ValueError:
        return False


def require(actor: Actor, area: Area, what: str) -> None:
    """Raise `Forbidden` (saying who may) unless the actor may use the area; `what` names the action."""
    if not may(actor.role, area):
        allowed = sorted(str(r) for r, areas in GRANTS.items() if area in areas)
        raise Forbidden(
            _("Only {roles} may {what}; ask an admin if you need it."), roles=" or ".join(allowed), what=what
        )
