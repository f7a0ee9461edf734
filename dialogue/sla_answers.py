"""Supervisors' answers to SLA alerts: the buttons of an alert and the reason typed for an extension.

- `on_button(turn, person, action)` for a supervisor's SLA button (`dialogue.payloads.SlaAction`);
- `on_text(turn, person, text)` for the reason of an extension typed as the next message (the staff flow
  calls it for a conversation whose `awaiting` starts with "sla_").

Buttons: a = acknowledge, p = raise priority, r = reassign (then q = to the queue, e = to an engineer),
x = extend (asks the reason, then d = a duration). Only supervisors and admins may use them; the alerts
that carry them are `dialogue.sla_alerts`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from dialogue.cards import short
from dialogue.conversation import Awaiting
from dialogue.i18n import say
from dialogue.outgoing import ButtonSpec
from dialogue.payloads import (
    SlaAck,
    SlaAction,
    SlaExtend,
    SlaExtendBy,
    SlaRaise,
    SlaReassign,
    SlaToEngineer,
    SlaToQueue,
)
from dialogue.sla_alerts import (
    CODE_KIND,
    EXTEND_CHOICES,
    KIND_CODE,
    MAX_ENGINEER_BUTTONS,
    SUPERVISING,
    duration_text,
    parse_key_code,
    queue_buttons,
    staff_name,
)
from dialogue.texts import category_name, priority_name, status_name
from ticket_core.errors import NotFound
from ticket_core.model import Ticket, format_ref
from ticket_core.sla.clock import SlaKind
from ticket_core.sla.ports import sla_store
from ticket_core.usecases import reassign as reassign_uc
from ticket_core.usecases import sla as sla_uc

if TYPE_CHECKING:
    from dialogue.identity import StaffPerson
    from dialogue.turn import Turn


def _is_supervisor(person: StaffPerson) -> bool:
    return person.member.role in SUPERVISING


async def _ticket(turn: Turn, number: str) -> Ticket:
    ticket = await turn.uow.tickets.get_by_number(int(number)) if number.isdigit() else None
    if ticket is None:
        raise NotFound(f"No ticket {format_ref(int(number)) if number.isdigit() else number}.")
    return ticket


def _clear(turn: Turn) -> None:
    turn.state.end_sla_step()


def _ask_reason(turn: Turn, ticket: Ticket, clock: str) -> None:
    """The supervisor's next message is why the SLA of `clock` is extended."""
    state = turn.state
    state.awaiting, state.ticket, state.sla_clock = Awaiting.SLA_REASON, ticket.number, clock
    turn.tell("Why does {ref} get more time? Write the reason in one message.", ref=ticket.ref)


async def on_button(turn: Turn, person: StaffPerson, action: SlaAction) -> None:
    """Handle a supervisor's SLA button; anyone else is refused, nothing changes."""
    if not _is_supervisor(person):
        turn.tell(
            "These buttons are for supervisors. To extend a deadline or hand a job over, ask the supervisor on duty."
        )
        return
    lang = turn.lang
    actor = person.actor
    ticket = await _ticket(turn, str(action.number))
    if isinstance(action, SlaAck):
        key = parse_key_code(action.key)
        taken = [a for a in await sla_store(turn.uow).alerts(ticket.id) if a.key == key and a.acknowledged_by]
        if taken:
            # Said in the supervisor's language; the generic refusal would only name the ticket's status.
            name = await staff_name(turn.uow, taken[0].acknowledged_by, lang)
            turn.reply(say(lang, "{name} has already taken charge of {ref}.", ref=ticket.ref, name=name))
            return
        await sla_uc.acknowledge_alert(turn.uow, actor, ticket.id, turn.now, key)
        turn.reply(say(lang, "You took charge of {ref}. The other supervisors are told.", ref=ticket.ref))
    elif isinstance(action, SlaRaise):
        ticket = await sla_uc.raise_priority(turn.uow, actor, ticket.id, turn.now)
        badge = await sla_uc.sla_badge_for(turn.uow, ticket, turn.now, lang) or ""
        turn.reply(
            say(
                lang,
                "{ref} is now {priority}. {badge}",
                ref=ticket.ref,
                priority=priority_name(lang, ticket.priority),
                badge=badge,
            )
        )
    elif isinstance(action, SlaReassign):
        await ask_who_gets(turn, person, ticket)
    elif isinstance(action, SlaToQueue):
        await reassign_uc.reassign(turn.uow, actor, ticket.id, turn.now)
        turn.reply(
            say(
                lang,
                "{ref} is back in the queue; the previous engineer is left out of routing.",
                ref=ticket.ref,
            )
        )
    elif isinstance(action, SlaToEngineer):
        engineer = action.engineer_id
        await reassign_uc.reassign(turn.uow, actor, ticket.id, turn.now, to_engineer_id=engineer)
        turn.reply(
            say(
                lang,
                "{ref} was offered to {name}.",
                ref=ticket.ref,
                name=await staff_name(turn.uow, engineer, lang),
            )
        )
    elif isinstance(action, SlaExtend):
        _ask_reason(turn, ticket, action.clock)
    elif isinstance(action, SlaExtendBy):
        await _extend(turn, person, ticket, str(action.minutes))
    else:
        turn.tell("That button is out of date or not meant for you. Tell me what you need, or send /help.")


async def ask_who_gets(turn: Turn, person: StaffPerson, ticket: Ticket, first: str = "") -> None:
    """Ask who gets a job: who has it now, the engineers it may go to (level, skills, load) and a button for
    each and for the queue (the alert's Reassign, and `/reassign HD-1001` without a name). `first` is said
    before the question. The use case checks who asks and whether the ticket has a job to reassign."""
    lang = turn.lang
    choice = await reassign_uc.reassign_choice(turn.uow, person.actor, ticket.id)
    if ticket.assignee_id:  # "Сейчас она у Сергея Петрова", not "Сейчас у: не назначен"
        name = await staff_name(turn.uow, ticket.assignee_id, lang)
        question = say(lang, "Who gets {ref}? Now with {name}.", ref=ticket.ref, name=name)
    else:
        question = say(lang, "Who gets {ref}? Nobody has it now.", ref=ticket.ref)
    rows: list[list[ButtonSpec]] = [[(say(lang, "Back to the queue"), SlaToQueue(ticket.number).encode())]]
    lines = [say(lang, "✅ — can do {category}", category=category_name(lang, ticket.category))]
    for member in choice.engineers[:MAX_ENGINEER_BUTTONS]:
        action = SlaToEngineer(ticket.number, member.id)
        if action.fits():
            rows.append([(member.name, action.encode())])
            lines.append(
                say(
                    lang,
                    "{mark} {name}: L{level}, {skills}; jobs {load} of {limit}",
                    mark="✅" if ticket.category in member.skills else "▫️",
                    name=member.name,
                    level=member.level,
                    skills=", ".join(category_name(lang, s) for s in member.skills) or "-",
                    load=choice.loads.get(member.id, 0),
                    limit=member.max_parallel_jobs,
                )
            )
    turn.reply("\n".join([*([first] if first else []), question, *lines]), rows)


async def _extend(turn: Turn, person: StaffPerson, ticket: Ticket, minutes: str) -> None:
    reason = turn.state.sla_reason
    if turn.state.awaiting is not Awaiting.SLA_DURATION or not reason or turn.state.ticket != ticket.number:
        # A duration without a reason: ask for the reason first (an extension always has one).
        _ask_reason(turn, ticket, KIND_CODE[SlaKind.RESOLUTION])
        return
    if not minutes.isdigit():
        turn.tell("That button is out of date or not meant for you. Tell me what you need, or send /help.")
        return
    clock = CODE_KIND.get(str(turn.state.sla_clock), SlaKind.RESOLUTION)
    by = timedelta(minutes=int(minutes))
    ticket = await sla_uc.extend_sla(turn.uow, person.actor, ticket.id, turn.now, by, reason, clock)
    _clear(turn)
    badge = await sla_uc.sla_badge_for(turn.uow, ticket, turn.now, turn.lang) or ""
    turn.tell(
        "{ref} got {by} more: {reason}. {badge}",
        ref=ticket.ref,
        by=duration_text(int(minutes), turn.lang),
        reason=reason,
        badge=badge,
    )


async def on_text(turn: Turn, person: StaffPerson, text: str) -> bool:
    """Take the next message as the reason of an extension; return False when no SLA question is pending."""
    if turn.state.awaiting is not Awaiting.SLA_REASON:
        return False
    if not _is_supervisor(person):
        _clear(turn)
        return False
    ticket = await _ticket(turn, str(turn.state.ticket or ""))
    reason = " ".join(text.split())
    if not reason:
        turn.tell("Please type the reason.")
        return True
    turn.state.awaiting, turn.state.sla_reason = Awaiting.SLA_DURATION, reason[: sla_uc.MAX_REASON]
    rows = [[(duration_text(m, turn.lang), SlaExtendBy(ticket.number, m).encode()) for m in EXTEND_CHOICES]]
    turn.tell("Extend {ref} by how much?", rows, ref=ticket.ref)
    return True


QUEUE_CARDS = 10


async def show_queue(turn: Turn) -> None:
    """Tickets waiting for an engineer, most urgent first, each with its SLA state and the supervisor's buttons."""
    waiting = await turn.uow.tickets.list_waiting(limit=QUEUE_CARDS)
    if not waiting:
        turn.tell("The queue is empty: every ticket has an engineer.")
        return
    turn.tell("Waiting for an engineer ({n}), most urgent first:", n=len(waiting))
    for t in waiting:
        line = f"{t.ref} · {t.priority} · {status_name(turn.lang, t.status)} · {short(t.description, 80)}"
        badge = await sla_uc.sla_badge_for(turn.uow, t, turn.now, turn.lang)
        turn.reply(f"{line}\n{badge}" if badge else line, queue_buttons(t, turn.lang))
