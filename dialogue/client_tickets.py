"""The client's own tickets in chat: the list, a status card, cancelling (confirmed first) and comments.

Each call checks the ticket through the use cases as the client (`person.actor`): nobody sees or changes a
ticket that is not theirs.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from dialogue import client_intake as intake
from dialogue.cards import short
from dialogue.identity import ClientPerson
from dialogue.payloads import CancelAnswer, CancelAsk, NewQuestion, NotFixed, ShowTicket, TalkToPerson
from dialogue.texts import status_name
from dialogue.turn import Turn
from dialogue.understanding import ticket_number
from ticket_core import usecases as uc
from ticket_core.enums import OPEN_STATUSES, TicketStatus
from ticket_core.errors import DomainError

DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
MAX_REASON = 1000


async def offer_reopen(
    turn: Turn, person: ClientPerson, text: str, ref: str | None, window: timedelta
) -> bool:
    """A message that says the problem is back ("опять течёт"): offer to reopen the job done lately (the one
    it names, else this person's latest) with these words as the reason, or to take it as a new question.
    False when there is no such job: the message is then answered as any other."""
    number = ticket_number(ref, allow_bare=True) if ref else None
    if number is not None:
        try:
            tickets = [await uc.get_ticket_by_number(turn.uow, person.actor, number)]
        except DomainError:
            tickets = []
    else:
        mine = await uc.list_my_tickets(turn.uow, person.actor, limit=5)
        tickets = [t for t in mine if t.contact_id == person.contact.id]
    done = [
        t
        for t in tickets
        if t.status in DONE and t.resolved_at is not None and turn.now - t.resolved_at <= window
    ]
    if not done:
        return False
    ticket = done[0]
    tag = secrets.token_hex(3)
    state = turn.state
    state.last_passed, state.last_passed_tag = text[:MAX_REASON], tag
    state.reopen_for, state.reopen_reason = ticket.number, text[:MAX_REASON]
    rows = [
        [(turn.tr("btn_reopen", ref=ticket.ref), NotFixed(ticket.number).encode())],
        [(turn.tr("btn_new_question"), NewQuestion(tag).encode())],
    ]
    turn.say("reopen_offer", rows, ref=ticket.ref)
    return True


async def comment(turn: Turn, person: ClientPerson, ref: str, body: str) -> None:
    """Add the client's comment to one of their tickets (`/comment N text`)."""
    number = ticket_number(ref, allow_bare=True)
    ticket = await uc.get_ticket_by_number(turn.uow, person.actor, number or 0)
    await uc.add_comment(turn.uow, person.actor, ticket.id, turn.now, body)
    turn.say("comment_added", ref=ticket.ref)


async def my_tickets(turn: Turn, person: ClientPerson) -> None:
    """List the client's latest tickets, with a button for each open one."""
    tickets = await uc.list_my_tickets(turn.uow, person.actor, limit=10)
    if not tickets:
        turn.say("no_tickets")
        return
    lines = "\n".join(
        turn.tr(
            "ticket_line",
            ref=t.ref,
            status=status_name(turn.lang, t.status),
            description=short(t.description, 60),
        )
        for t in tickets
    )
    rows = [[(t.ref, ShowTicket(t.number).encode())] for t in tickets if t.status in OPEN_STATUSES][:5]
    turn.say("my_tickets", rows, lines=lines)


async def status(turn: Turn, person: ClientPerson, ref: str | None) -> None:
    """Show one ticket's status card (or the list when no number is given)."""
    number = ticket_number(ref, allow_bare=True) if ref else None
    if number is None:
        await my_tickets(turn, person)
        return
    ticket = await uc.get_ticket_by_number(turn.uow, person.actor, number)
    assignee = ""
    if ticket.assignee_id:
        member = await turn.uow.directory.get_staff(ticket.assignee_id)
        assignee = turn.tr("status_assignee", name=member.name) if member else ""
    buttons = []
    if ticket.status in OPEN_STATUSES:
        buttons.append([(turn.tr("btn_write"), TalkToPerson(ticket.number).encode())])
        buttons.append([(turn.tr("btn_cancel_ticket"), CancelAsk(ticket.number).encode())])  # asks to confirm
    turn.say(
        "status_of",
        buttons,
        ref=ticket.ref,
        status=status_name(turn.lang, ticket.status),
        description=short(ticket.description, 200),
        assignee=assignee,
        promise=await intake.promise_line(turn, ticket),
    )


async def ask_cancel(turn: Turn, person: ClientPerson, ref: str | None) -> None:
    """Ask the client to confirm cancelling one of their tickets."""
    number = ticket_number(ref, allow_bare=True) if ref else None
    if number is None:
        turn.say("ask_ticket_number")
        return
    ticket = await uc.get_ticket_by_number(turn.uow, person.actor, number)
    turn.say(
        "cancel_confirm_q",
        [
            [
                (turn.tr("btn_yes_cancel"), CancelAnswer(ticket.number, "y").encode()),
                (turn.tr("btn_no"), CancelAnswer(0, "n").encode()),
            ]
        ],
        ref=ticket.ref,
    )


async def cancel_button(turn: Turn, person: ClientPerson, action: CancelAsk | CancelAnswer) -> None:
    """Act on a cancel button: ask to confirm (from a status card), keep, or cancel the ticket."""
    if isinstance(action, CancelAsk):  # from a status card: confirm first
        await ask_cancel(turn, person, str(action.number))
        return
    if action.answer != "y":
        turn.say("kept")
        return
    ticket = await uc.get_ticket_by_number(turn.uow, person.actor, action.number)
    if ticket.status is TicketStatus.CANCELLED:
        turn.say("cancelled_ok", ref=ticket.ref)
        return
    await uc.cancel_ticket(turn.uow, person.actor, ticket.id, turn.now)
    turn.say("cancelled_ok", ref=ticket.ref)
