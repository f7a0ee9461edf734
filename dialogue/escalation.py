"""Escalation by level in the staff chat: "Hand over" also offers "escalate to L{n+1}"; supervisors /level.

An engineer's Hand over asks why (a typed reason hands the job to another engineer, as before) and, unless
the engineer is already at the top level, shows a button that escalates the job to the next level instead.
Supervisors set a ticket's level with `/level HD-1001 3 [reason]`.
"""

from __future__ import annotations

import re

from dialogue.conversation import Awaiting
from dialogue.i18n import say
from dialogue.identity import StaffPerson
from dialogue.payloads import JobStep
from dialogue.turn import Turn
from ticket_core import usecases as uc
from ticket_core.errors import NotFound, ValidationFailed
from ticket_core.model import MAX_LEVEL, Ticket

LEVEL_ARGS = re.compile(r"^\s*(?:HD-)?(\d+)\s+L?([1-9])\b\s*(.*)$", re.IGNORECASE | re.DOTALL)


async def offer_hand_over(turn: Turn, person: StaffPerson, ticket: Ticket) -> None:
    """Ask why the job is handed over, and offer escalation to the next level when there is one."""
    turn.state.awaiting, turn.state.ticket = Awaiting.HANDOVER, ticket.number
    question = say(turn.lang, "Hand {ref} over to another engineer? Why?", ref=ticket.ref)
    level = max(person.member.level, ticket.min_level) + 1
    if level > MAX_LEVEL:
        turn.reply(
            question
            + "\n"
            + say(
                turn.lang,
                "You are L{level}, the top level; give a reason and the job goes to another engineer.",
                level=person.member.level,
            )
        )
        return
    button = (say(turn.lang, "⬆ Escalate to L{level}", level=level), JobStep("z", ticket.number).encode())
    turn.reply(
        question
        + "\n"
        + say(turn.lang, "Or, if it needs a more senior specialist, escalate it to L{level}.", level=level),
        [[button]],
    )


def ask_reason(turn: Turn, person: StaffPerson, ticket: Ticket) -> None:
    """The engineer chose to escalate: ask what the next level needs to know."""
    level = max(person.member.level, ticket.min_level) + 1
    if level > MAX_LEVEL:
        raise ValidationFailed(
            f"L{MAX_LEVEL} is the highest level, so {ticket.ref} cannot be escalated further. "
            "Hand it over to another engineer or ask a supervisor."
        )
    turn.state.awaiting, turn.state.ticket = Awaiting.ESCALATE, ticket.number
    turn.tell(
        "Why does {ref} need an L{level} engineer? Say briefly what was done and what is in the way.",
        ref=ticket.ref,
        level=level,
    )


async def on_reason(turn: Turn, person: StaffPerson, ticket: Ticket, reason: str) -> None:
    """Escalate the job with the reason the engineer typed."""
    ticket = await uc.raise_level(turn.uow, person.actor, ticket.id, turn.now, reason)
    turn.state.awaiting, turn.state.ticket = None, None
    turn.tell(
        "{ref} is escalated to L{level}; it will be offered to engineers of that level and above.",
        ref=ticket.ref,
        level=ticket.min_level,
    )


async def on_level_command(turn: Turn, person: StaffPerson, args: str) -> None:
    """`/level HD-1001 3 [reason]`: a supervisor sets the lowest engineer level a ticket needs."""
    match = LEVEL_ARGS.match(args)
    if match is None:
        turn.tell("Ticket level: /level HD-1001 2 [reason] - only L2 engineers and above may take it.")
        return
    number, level, reason = int(match.group(1)), int(match.group(2)), match.group(3).strip()
    ticket = await turn.uow.tickets.get_by_number(number)
    if ticket is None:
        raise NotFound(f"No ticket HD-{number}. Check the number and try again.")
    assignee = ticket.assignee_id
    ticket = await uc.raise_level(turn.uow, person.actor, ticket.id, turn.now, reason or None, level)
    requeued = (
        say(turn.lang, " The job is being routed again.") if assignee and ticket.assignee_id is None else ""
    )
    turn.tell(
        "{ref} now needs an L{level} engineer.{requeued}", ref=ticket.ref, level=level, requeued=requeued
    )
