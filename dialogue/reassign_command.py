"""`/reassign HD-1001 [engineer]` in the staff chat: a supervisor gives a job to another engineer.

With an engineer's name (or a part of it: "Смирнов", "алексей смир") the job is offered to that engineer at
once; without one, or when the name fits nobody or several, the supervisor gets the engineers it may go to as
buttons, as the SLA alert's Reassign shows them (`dialogue.sla_answers.ask_who_gets`). The use cases of
`ticket_core.usecases.reassign` check who asks (supervisors and admins only) and record the audit event.
"""

from __future__ import annotations

import re

from dialogue.i18n import N_, say
from dialogue.identity import StaffPerson
from dialogue.sla_answers import ask_who_gets
from dialogue.turn import Turn
from ticket_core.enums import Role
from ticket_core.errors import NotFound
from ticket_core.model import StaffMember, format_ref
from ticket_core.usecases import reassign as reassign_uc

ARGS = re.compile(r"^\s*(?:HD-?|#)?(\d{1,9})(?!\S)\s*(.*)$", re.IGNORECASE | re.DOTALL)
"""A ticket number ("HD-1001", "1001") and, after it, an engineer's name or part of it."""
USAGE = N_(
    "Give a job to another engineer: /reassign HD-1001 Smirnov. Without a name I show whom it may go to."
)


async def on_command(turn: Turn, person: StaffPerson, args: str) -> None:
    """Reassign the ticket `args` names to the engineer it names, or show whom it may go to."""
    match = ARGS.match(args)
    if match is None:
        turn.tell(USAGE)
        return
    number, wanted = int(match.group(1)), " ".join(match.group(2).split())
    ticket = await turn.uow.tickets.get_by_number(number)
    if ticket is None:
        raise NotFound("No ticket {ref}. Check the number and try again.", ref=format_ref(number))
    if not wanted:
        await ask_who_gets(turn, person, ticket)
        return
    found = matching(await turn.uow.directory.list_staff(Role.ENGINEER), wanted)
    if len(found) != 1:
        first = (
            say(turn.lang, "No engineer is called “{name}”.", name=wanted)
            if not found
            else say(
                turn.lang,
                "Several engineers fit “{name}”: {names}.",
                name=wanted,
                names=", ".join(m.name for m in found),
            )
        )
        await ask_who_gets(turn, person, ticket, first)  # refused there, before any list, if not a supervisor
        return
    engineer = found[0]
    ticket = await reassign_uc.reassign(
        turn.uow, person.actor, ticket.id, turn.now, to_engineer_id=engineer.id
    )
    turn.tell("{ref} was offered to {name}.", ref=ticket.ref, name=engineer.name)


def _words(text: str) -> list[str]:
    return text.casefold().replace("ё", "е").split()


def matching(engineers: list[StaffMember], wanted: str) -> list[StaffMember]:
    """The engineers `wanted` names: by id, or every word of it the start of a word of the name ("смир"), or
    a word of the name at the start of it ("Смирнову": a declined surname)."""
    asked = _words(wanted)
    exact = [m for m in engineers if m.id.casefold() == wanted.casefold()]
    if exact:
        return exact

    def fits(word: str, name: list[str]) -> bool:
        return any(part.startswith(word) or (len(part) >= 4 and word.startswith(part)) for part in name)

    return [m for m in engineers if all(fits(word, _words(m.name)) for word in asked)]
