"""The explicit status transition table: which action moves a ticket from where to where, and who may do it.

"Own" rules (a client may act only on their client's tickets, an engineer only on jobs assigned or offered
to them) are part of each row, so every use case checks the actor the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ticket_core.enums import Role, TicketStatus
from ticket_core.errors import Forbidden, InvalidTransition
from ticket_core.model import Actor, Ticket

S = TicketStatus


class Action(StrEnum):
    """Every action that changes a ticket's status."""

    OPEN = "open"
    OFFER = "offer"
    ACCEPT = "accept"
    RETURN_TO_QUEUE = "return_to_queue"
    START = "start"
    HOLD = "hold"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    CANCEL = "cancel"
    REOPEN = "reopen"
    RECOVER = "recover"  # a monitored problem went away before anyone started work (#19)


class Ownership(StrEnum):
    """Which relation to the ticket a role needs for an action."""

    ANY = "any"  # the role alone is enough
    CLIENT = "client"  # the ticket belongs to the actor's client
    ASSIGNEE = "assignee"  # the actor is the ticket's assignee
    OFFEREE = "offeree"  # the actor holds a pending offer (checked by the use case)


@dataclass(frozen=True, slots=True)
class Transition:
    """One row of the table."""

    action: Action
    sources: frozenset[TicketStatus]
    target: TicketStatus
    roles: dict[Role, Ownership]


def _t(action: Action, sources: set[TicketStatus], target: TicketStatus, **roles: Ownership) -> Transition:
    return Transition(action, frozenset(sources), target, {Role(k): v for k, v in roles.items()})


_ANY, _CLIENT, _ASSIGNEE, _OFFEREE = Ownership.ANY, Ownership.CLIENT, Ownership.ASSIGNEE, Ownership.OFFEREE
WORKING = {S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD}

TABLE: tuple[Transition, ...] = (
    # An admin answers SLA alerts and reassigns (/reassign, /level) as a supervisor does.
    _t(Action.OFFER, {S.NEW, S.REOPENED, S.OFFERED}, S.OFFERED, system=_ANY, supervisor=_ANY, admin=_ANY),
    _t(Action.ACCEPT, {S.OFFERED}, S.ACCEPTED, engineer=_OFFEREE),
    _t(
        Action.RETURN_TO_QUEUE,
        {S.OFFERED, *WORKING},
        S.NEW,
        system=_ANY,
        supervisor=_ANY,
        admin=_ANY,
        engineer=_ASSIGNEE,
    ),
    _t(Action.START, {S.ACCEPTED}, S.IN_PROGRESS, engineer=_ASSIGNEE),
    _t(Action.HOLD, {S.ACCEPTED, S.IN_PROGRESS}, S.ON_HOLD, engineer=_ASSIGNEE, supervisor=_ANY),
    _t(Action.RESUME, {S.ON_HOLD}, S.IN_PROGRESS, engineer=_ASSIGNEE, supervisor=_ANY, system=_ANY),
    _t(Action.RESOLVE, WORKING, S.RESOLVED, engineer=_ASSIGNEE, supervisor=_ANY),
    _t(Action.CLOSE, {S.RESOLVED}, S.CLOSED, client=_CLIENT, supervisor=_ANY, system=_ANY),
    _t(
        Action.CANCEL,
        {S.NEW, S.OFFERED, S.REOPENED, *WORKING},
        S.CANCELLED,
        client=_CLIENT,
        supervisor=_ANY,
        admin=_ANY,
    ),
    _t(Action.REOPEN, {S.RESOLVED, S.CLOSED}, S.REOPENED, client=_CLIENT, supervisor=_ANY),
    _t(Action.RECOVER, {S.NEW, S.OFFERED, S.REOPENED}, S.RESOLVED, system=_ANY, supervisor=_ANY),
)
"""Every allowed move. OPEN has no source status and is checked by `check_open`."""

OPEN_ROLES = frozenset({Role.CLIENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM})

_BY_ACTION: dict[Action, Transition] = {row.action: row for row in TABLE}


def transition_for(action: Action) -> Transition:
    """Return the table row of an action."""
    return _BY_ACTION[action]


def allowed_actions(status: TicketStatus) -> list[Action]:
    """List the actions that can start from a status (whoever makes them)."""
    return [row.action for row in TABLE if status in row.sources]


def check(action: Action, ticket: Ticket, actor: Actor) -> TicketStatus:
    """Check that `actor` may apply `action` to `ticket` now; return the target status.

    Raises:
        Forbidden: the actor's role or relation to the ticket does not allow the action.
        InvalidTransition: the ticket's status does not allow the action.
    """
    row = _BY_ACTION[action]
    ownership = row.roles.get(actor.role)
    if ownership is None:
        raise Forbidden("A {role} cannot {action} a ticket.", role=actor.role, action=action)
    if ownership is Ownership.CLIENT and actor.client_id != ticket.client_id:
        raise Forbidden("Ticket {ref} is not yours.", ref=ticket.ref)
    if ownership is Ownership.ASSIGNEE and actor.id != ticket.assignee_id:
        raise Forbidden("Ticket {ref} is assigned to someone else.", ref=ticket.ref)
    if ticket.status not in row.sources:
        raise InvalidTransition(
            "Ticket {ref} is {status}; it cannot be {past} now.",
            ref=ticket.ref,
            status=ticket.status,
            past=_past(action),
            action=action,
        )
    return row.target


def check_open(actor: Actor) -> None:
    """Check that `actor` may open a ticket."""
    if actor.role not in OPEN_ROLES:
        raise Forbidden("A {role} cannot open tickets.", role=actor.role)


def _past(action: Action) -> str:
    return {
        Action.OFFER: "offered",
        Action.ACCEPT: "accepted",
        Action.RETURN_TO_QUEUE: "returned to the queue",
        Action.START: "started",
        Action.HOLD: "put on hold",
        Action.RESUME: "resumed",
        Action.RESOLVE: "resolved",
        Action.CLOSE: "closed",
        Action.CANCEL: "cancelled",
        Action.REOPEN: "reopened",
        Action.RECOVER: "resolved on recovery",
    }.get(action, str(action))
