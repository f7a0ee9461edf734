"""Every allowed and every forbidden move of the transition table, against a spec written out by hand."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from ticket_core.enums import Priority, Role, TicketStatus
from ticket_core.errors import Forbidden, InvalidTransition
from ticket_core.model import Actor, Ticket
from ticket_core.transitions import Action, check, check_open

S = TicketStatus
NOW = datetime(2026, 1, 1, tzinfo=UTC)

# (action, source status) -> target, and who may do it. Written independently of the table on purpose.
ALLOWED: dict[tuple[Action, TicketStatus], TicketStatus] = {
    (Action.OFFER, S.NEW): S.OFFERED,
    (Action.OFFER, S.REOPENED): S.OFFERED,
    (Action.OFFER, S.OFFERED): S.OFFERED,
    (Action.ACCEPT, S.OFFERED): S.ACCEPTED,
    (Action.RETURN_TO_QUEUE, S.OFFERED): S.NEW,
    (Action.RETURN_TO_QUEUE, S.ACCEPTED): S.NEW,
    (Action.RETURN_TO_QUEUE, S.IN_PROGRESS): S.NEW,
    (Action.RETURN_TO_QUEUE, S.ON_HOLD): S.NEW,
    (Action.START, S.ACCEPTED): S.IN_PROGRESS,
    (Action.HOLD, S.ACCEPTED): S.ON_HOLD,
    (Action.HOLD, S.IN_PROGRESS): S.ON_HOLD,
    (Action.RESUME, S.ON_HOLD): S.IN_PROGRESS,
    (Action.RESOLVE, S.ACCEPTED): S.RESOLVED,
    (Action.RESOLVE, S.IN_PROGRESS): S.RESOLVED,
    (Action.RESOLVE, S.ON_HOLD): S.RESOLVED,
    (Action.CLOSE, S.RESOLVED): S.CLOSED,
    (Action.REOPEN, S.RESOLVED): S.REOPENED,
    (Action.REOPEN, S.CLOSED): S.REOPENED,
    (Action.RECOVER, S.NEW): S.RESOLVED,
    (Action.RECOVER, S.OFFERED): S.RESOLVED,
    (Action.RECOVER, S.REOPENED): S.RESOLVED,
    **{
        (Action.CANCEL, s): S.CANCELLED
        for s in (S.NEW, S.OFFERED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD, S.REOPENED)
    },
}
# Who may do each action: role -> the relation needed ("any", "own client", "assignee", "offeree").
WHO: dict[Action, dict[Role, str]] = {
    Action.OFFER: {Role.SYSTEM: "any", Role.SUPERVISOR: "any", Role.ADMIN: "any"},
    Action.ACCEPT: {Role.ENGINEER: "offeree"},
    Action.RETURN_TO_QUEUE: {
        Role.SYSTEM: "any",
        Role.SUPERVISOR: "any",
        Role.ADMIN: "any",
        Role.ENGINEER: "assignee",
    },
    Action.START: {Role.ENGINEER: "assignee"},
    Action.HOLD: {Role.ENGINEER: "assignee", Role.SUPERVISOR: "any"},
    Action.RESUME: {Role.ENGINEER: "assignee", Role.SUPERVISOR: "any", Role.SYSTEM: "any"},
    Action.RESOLVE: {Role.ENGINEER: "assignee", Role.SUPERVISOR: "any"},
    Action.CLOSE: {Role.CLIENT: "own", Role.SUPERVISOR: "any", Role.SYSTEM: "any"},
    Action.CANCEL: {Role.CLIENT: "own", Role.SUPERVISOR: "any", Role.ADMIN: "any"},
    Action.REOPEN: {Role.CLIENT: "own", Role.SUPERVISOR: "any"},
    Action.RECOVER: {Role.SYSTEM: "any", Role.SUPERVISOR: "any"},
}


def _ticket(status: TicketStatus) -> Ticket:
    return Ticket(
        id="t1",
        number=1001,
        client_id="acme",
        contact_id="c1",
        category="it",
        priority=Priority.P3,
        description="x",
        created_at=NOW,
        status=status,
        assignee_id="eng1",
    )


def _actors(role: Role) -> list[tuple[Actor, bool]]:
    """Actors of a role, each with whether they have the right relation to the test ticket."""
    if role is Role.CLIENT:
        return [(Actor(role, "c1", client_id="acme"), True), (Actor(role, "c9", client_id="other"), False)]
    if role is Role.ENGINEER:
        return [(Actor(role, "eng1"), True), (Actor(role, "eng2"), False)]
    return [(Actor(role, f"{role}-1"), True)]


CASES = list(
    itertools.product(Action.__members__.values(), S.__members__.values(), Role.__members__.values())
)


@pytest.mark.parametrize(("action", "status", "role"), [c for c in CASES if c[0] is not Action.OPEN])
def test_every_move(action: Action, status: TicketStatus, role: Role) -> None:
    for actor, related in _actors(role):
        relation = WHO[action].get(role)
        role_ok = relation is not None and (relation in ("any", "offeree") or related)
        target = ALLOWED.get((action, status))
        ticket = _ticket(status)
        if not role_ok:
            with pytest.raises(Forbidden):
                check(action, ticket, actor)
        elif target is None:
            with pytest.raises(InvalidTransition):
                check(action, ticket, actor)
        else:
            assert check(action, ticket, actor) is target


@pytest.mark.parametrize("role", list(Role))
def test_who_may_open(role: Role) -> None:
    actor = Actor(role, "x", client_id="acme")
    if role in (Role.CLIENT, Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM):
        check_open(actor)
    else:
        with pytest.raises(Forbidden):
            check_open(actor)


def test_terminal_statuses_allow_nothing_but_reopen() -> None:
    supervisor = Actor(Role.SUPERVISOR, "s1")
    for action in Action:
        if action in (Action.OPEN, Action.REOPEN):
            continue
        with pytest.raises((InvalidTransition, Forbidden)):
            check(action, _ticket(S.CANCELLED), supervisor)
    with pytest.raises(InvalidTransition):
        check(Action.REOPEN, _ticket(S.CANCELLED), supervisor)


def test_error_messages_name_the_ticket_and_the_state() -> None:
    with pytest.raises(InvalidTransition, match=r"HD-1001 is resolved"):
        check(Action.START, _ticket(S.RESOLVED), Actor(Role.ENGINEER, "eng1"))
    with pytest.raises(Forbidden, match=r"HD-1001 is not yours"):
        check(Action.CANCEL, _ticket(S.NEW), Actor(Role.CLIENT, "c9", client_id="other"))
