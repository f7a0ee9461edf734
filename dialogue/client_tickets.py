"""The client's own tickets in chat: the list, a status card, cancelling (confirmed first) and comments.

Each call checks the ticket through the use cases as the client (`person.actor`): nobody sees or changes a
ticket that is not theirs.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from dialogue import client_intake as intake
from dialogue.cards import short
from dialogue.i18n import say
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
        [(say(turn.lang, "Yes, reopen {ref}", ref=ticket.ref), NotFixed(ticket.number).encode())],
        [(say(turn.lang, "This is a new question"), NewQuestion(tag).encode())],
    ]
    turn.tell(
        "It sounds like the problem of {ref} is back. Shall I reopen it? I will pass your message to the engineer.",
        rows,
        ref=ticket.ref,
    )
    return True


async def comment(turn: Turn, person: ClientPerson, ref: str, body: str) -> None:
    """Add the client's comment to one of their tickets (`/comment N text`)."""
    number = ticket_number(ref, allow_bare=True)
    ticket = await uc.get_ticket_by_number(turn.uow, person.actor, number or 0)
    await uc.add_comment(turn.uow, person.actor, ticket.id, turn.now, body)
    turn.tell("Your message on {ref} is passed on.", ref=ticket.ref)


async def my_tickets(turn: Turn, person: ClientPerson) -> None:
    """List the client's latest tickets, with a button for each open one."""
    tickets = await uc.list_my_tickets(turn.uow, person.actor, limit=10)
    if not tickets:
        turn.tell("You have no requests yet.")
        return
    lines = "\n".join(
        say(
            turn.lang,
            "{ref} - {status} - {description}",
            ref=t.ref,
            status=status_name(turn.lang, t.status),
            description=short(t.description, 60),
        )
        for t in tickets
    )
    rows = [[(t.ref, ShowTicket(t.number).encode())] for t in tickets if t.status in OPEN_STATUSES][:5]
    turn.tell("Your requests:\n{lines}", rows, lines=lines)


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
        assignee = say(turn.lang, "\nEngineer: {name}", name=member.name) if member else ""
    buttons = []
    if ticket.status in OPEN_STATUSES:
        buttons.append([(say(turn.lang, "Write about it"), TalkToPerson(ticket.number).encode())])
        buttons.append(
            [(say(turn.lang, "Cancel the request"), CancelAsk(ticket.number).encode())]
        )  # asks to confirm
    turn.tell(
        "Request {ref}: {status}.\n{description}{assignee}{promise}",
        buttons,
        ref=ticket.ref,
        status=status_name(turn.lang, ticket.status),
        description=short(ticket.description, 200, keep_lines=True),
        assignee=assignee,
        promise=await intake.promise_line(turn, ticket),
    )


async def ask_cancel(turn: Turn, person: ClientPerson, ref: str | None) -> None:
    """Ask the client to confirm cancelling one of their tickets."""
    number = ticket_number(ref, allow_bare=True) if ref else None
    if number is None:
        turn.tell("Give the request number, e.g. HD-1001.")
        return
    ticket = await uc.get_ticket_by_number(turn.uow, person.actor, number)
    turn.reply(
        say(turn.lang, "Cancel request {ref}?", ref=ticket.ref),
        [
            [
                (say(turn.lang, "Yes, cancel it"), CancelAnswer(ticket.number, "y").encode()),
                (say(turn.lang, "No"), CancelAnswer(0, "n").encode()),
            ]
        ],
    )


async def cancel_button(turn: Turn, person: ClientPerson, action: CancelAsk | CancelAnswer) -> None:
    """Act on a cancel button: ask to confirm (from a status card), keep, or cancel the ticket."""
    if isinstance(action, CancelAsk):  # from a status card: confirm first
        await ask_cancel(turn, person, str(action.number))
        return
    if action.answer != "y":
        turn.tell("OK, leaving it as it is.")
        return
    ticket = await uc.get_ticket_by_number(turn.uow, person.actor, action.number)
    if ticket.status is TicketStatus.CANCELLED:
        turn.tell("Request {ref} is cancelled.", ref=ticket.ref)
        return
    await uc.cancel_ticket(turn.uow, person.actor, ticket.id, turn.now)
    turn.tell("Request {ref} is cancelled.", ref=ticket.ref)
