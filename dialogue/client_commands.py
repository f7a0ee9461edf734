"""A client's /commands (/start, /help, /tickets, /new, /lang, /portal, /human...) and the start of a talk with
a person."""

from __future__ import annotations

from dialogue import client_intake as intake
from dialogue import client_tickets
from dialogue.client_language import choose_language, set_language
from dialogue.conversation import Stage, Step
from dialogue.i18n import N_, say
from dialogue.identity import ClientPerson
from dialogue.messages import Channel, split_command
from dialogue.portal_link import PortalLinkPolicy, send_portal_link
from dialogue.texts import SUPPORTED
from dialogue.turn import Turn
from dialogue.understanding import ticket_number
from ticket_core import usecases as uc
from ticket_core.enums import OPEN_STATUSES

HELP = N_(
    "Write what happened in your own words. /tickets - my requests, /status HD-1001 - request status, "
    "/cancel HD-1001 - cancel it, /new - open a request right away, /portal - sign in to the client portal, "
    "/lang ru - Russian."
)
"""What /help (and a command the client bot does not know) answers."""


async def start_relay(turn: Turn, person: ClientPerson, ref: str | None) -> None:
    """/human: the client's next messages go to the engineer on their open request (the one named, or the
    latest); with none open, the intake starts."""
    number = ticket_number(ref, allow_bare=True) if ref else None
    if number is not None:
        ticket = await uc.get_ticket_by_number(turn.uow, person.actor, number)
        tickets = [ticket] if ticket.status in OPEN_STATUSES else []
    else:
        tickets = await uc.list_my_tickets(turn.uow, person.actor, open_only=True, limit=1)
    if not tickets:
        turn.tell(
            "You have no open requests. Describe the problem: I will open one and a person will contact you."
        )
        intake.start(turn)
        await intake.ask_next(turn, person)
        return
    ticket = await uc.ask_for_person(turn.uow, person.actor, tickets[0].id, turn.now)  # its engineer is told
    turn.state.stage, turn.state.ticket = Stage.RELAY, ticket.number
    member = await turn.uow.directory.get_staff(ticket.assignee_id) if ticket.assignee_id else None
    if member is not None:
        turn.tell(
            "You are talking to engineer {name} about {ref}. Write and I will pass it on. /bot - back to the bot.",
            ref=ticket.ref,
            name=member.name,
        )
    else:
        turn.tell(
            "I will pass your messages about {ref} to the service desk. Write away. /bot - back to the bot.",
            ref=ticket.ref,
        )


async def on_command(
    turn: Turn, person: ClientPerson, text: str, portal_links: PortalLinkPolicy | None
) -> None:
    """A client's /command."""
    command, arg = split_command(text)
    arg = arg.strip()
    if command == "/start":
        turn.tell(
            "Hello, {name}! I am the service desk bot. Tell me your question or problem: I will look for an answer in the "
            "knowledge base or open a request for an engineer.\n\nCommands: /tickets - my requests, /new - new request, "
            "/lang - language.",
            name=person.contact.name,
        )
        if not person.contact.phone and turn.inbound.channel is Channel.TELEGRAM:
            turn.reply(
                say(
                    turn.lang,
                    "Share your phone number (button below) so I recognise you on WhatsApp too.",
                ),
                request_contact=True,
            )
    elif command in ("/human", "/person", "/operator"):
        await start_relay(turn, person, arg or None)
    elif command == "/bot":
        if turn.state.stage is Stage.RELAY:
            turn.state.ticket = None
        turn.state.stage = None
        # What the engineer wrote before this no longer makes the client's messages answers to them.
        turn.state.bot_since = turn.now
        turn.tell("OK, the bot is answering again.")
    elif command == "/comment":
        number, _, body = arg.partition(" ")
        if ticket_number(number, allow_bare=True) is None or not body.strip():
            turn.tell("Like this: /comment HD-1001 your message")
        else:
            await client_tickets.comment(turn, person, number, body)
    elif command == "/help":
        turn.tell(HELP)
    elif command == "/portal":
        await send_portal_link(turn, person, portal_links)
    elif command in ("/tickets", "/my"):
        await client_tickets.my_tickets(turn, person)
    elif command == "/status":
        await client_tickets.status(turn, person, arg or None)
    elif command == "/cancel":
        if turn.state.stage is Stage.INTAKE and not arg:
            asked_location = turn.state.step is Step.ADDRESS
            turn.state.end_intake()
            turn.reply(say(turn.lang, "OK, no request opened."), remove_keyboard=asked_location)
        else:
            await client_tickets.ask_cancel(turn, person, arg or None)
    elif command == "/new":
        intake.start(turn)
        await intake.ask_next(turn, person)
    elif command == "/lang":
        if arg.lower() in SUPPORTED:
            set_language(turn, person, arg.lower())
        else:
            choose_language(turn)
    elif command in ("/ru", "/en"):
        set_language(turn, person, command[1:])
    else:
        turn.tell(HELP)
