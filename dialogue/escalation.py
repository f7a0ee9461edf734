"""Escalation by level in the staff chat: "Hand over" also offers "escalate to L{n+1}"; supervisors /level.

An engineer's Hand over asks why (a typed reason hands the job to another engineer, as before) and, unless
the engineer is already at the top level, shows a button that escalates the job to the next level instead.
Supervisors set a ticket's level with `/level HD-1001 3 [reason]`.
"""

from __future__ import annotations

import re

from dialogue.conversation import Awaiting
from dialogue.identity import StaffPerson
from dialogue.payloads import JobStep
from dialogue.texts import t, translate
from dialogue.turn import Turn
from ticket_core import usecases as uc
from ticket_core.errors import NotFound, ValidationFailed
from ticket_core.model import MAX_LEVEL, Ticket

TEXTS: dict[str, tuple[str, str]] = {
    "escalate_hint": (
        "Или, если нужен специалист уровнем выше, эскалируйте заявку на L{level}.",
        "Or, if it needs a more senior specialist, escalate it to L{level}.",
    ),
    "escalate_top": (
        "Вы инженер L{level} — выше уровня нет; опишите причину, и заявку предложат другому.",
        "You are L{level}, the top level; give a reason and the job goes to another engineer.",
    ),
    "btn_escalate": ("⬆ Эскалировать на L{level}", "⬆ Escalate to L{level}"),
    "escalate_q": (
        "Почему {ref} нужен инженер L{level}? Коротко опишите, что уже сделано и что мешает.",
        "Why does {ref} need an L{level} engineer? Say briefly what was done and what is in the way.",
    ),
    "escalated": (
        "{ref} эскалирована на L{level}; её предложат инженерам этого уровня и выше.",
        "{ref} is escalated to L{level}; it will be offered to engineers of that level and above.",
    ),
    "level_usage": (
        "Уровень заявки: /level HD-1001 2 [причина] — только инженеры L2 и выше смогут её взять.",
        "Ticket level: /level HD-1001 2 [reason] - only L2 engineers and above may take it.",
    ),
    "level_set": (
        "{ref}: теперь нужен инженер L{level}.{requeued}",
        "{ref} now needs an L{level} engineer.{requeued}",
    ),
    "level_requeued": (" Заявка снова ищет исполнителя.", " The job is being routed again."),
    # For the client and for an engineer a supervisor took the job from (notifications).
    "n_level_raised_client": (
        "По заявке {ref} нужен специалист более высокого уровня — он возьмётся за работу. Мы сообщим, "
        "когда инженер примет заявку.",
        "Request {ref} needs a more senior specialist, who will take over. We will tell you when the "
        "engineer accepts it.",
    ),
    "n_level_taken_off": (
        "Заявке {ref} теперь нужен инженер L{level}; её передадут ему. Спасибо!",
        "{ref} now needs an L{level} engineer and goes to one. Thank you!",
    ),
}

LEVEL_ARGS = re.compile(r"^\s*(?:HD-)?(\d+)\s+L?([1-9])\b\s*(.*)$", re.IGNORECASE | re.DOTALL)


def tr(lang: str, key: str, **values: object) -> str:
    """A text of this module's catalogue."""
    return translate(TEXTS, lang, key, **values)


async def offer_hand_over(turn: Turn, person: StaffPerson, ticket: Ticket) -> None:
    """Ask why the job is handed over, and offer escalation to the next level when there is one."""
    turn.state.awaiting, turn.state.ticket = Awaiting.HANDOVER, ticket.number
    question = t(turn.lang, "hand_over_q", ref=ticket.ref)
    level = max(person.member.level, ticket.min_level) + 1
    if level > MAX_LEVEL:
        turn.reply(f"{question}\n{tr(turn.lang, 'escalate_top', level=person.member.level)}")
        return
    button = (tr(turn.lang, "btn_escalate", level=level), JobStep("z", ticket.number).encode())
    turn.reply(f"{question}\n{tr(turn.lang, 'escalate_hint', level=level)}", [[button]])


def ask_reason(turn: Turn, person: StaffPerson, ticket: Ticket) -> None:
    """The engineer chose to escalate: ask what the next level needs to know."""
    level = max(person.member.level, ticket.min_level) + 1
    if level > MAX_LEVEL:
        raise ValidationFailed(
            f"L{MAX_LEVEL} is the highest level, so {ticket.ref} cannot be escalated further. "
            "Hand it over to another engineer or ask a supervisor."
        )
    turn.state.awaiting, turn.state.ticket = Awaiting.ESCALATE, ticket.number
    turn.reply(tr(turn.lang, "escalate_q", ref=ticket.ref, level=level))


async def on_reason(turn: Turn, person: StaffPerson, ticket: Ticket, reason: str) -> None:
    """Escalate the job with the reason the engineer typed."""
    ticket = await uc.raise_level(turn.uow, person.actor, ticket.id, turn.now, reason)
    turn.state.awaiting, turn.state.ticket = None, None
    turn.reply(tr(turn.lang, "escalated", ref=ticket.ref, level=ticket.min_level))


async def on_level_command(turn: Turn, person: StaffPerson, args: str) -> None:
    """`/level HD-1001 3 [reason]`: a supervisor sets the lowest engineer level a ticket needs."""
    match = LEVEL_ARGS.match(args)
    if match is None:
        turn.reply(tr(turn.lang, "level_usage"))
        return
    number, level, reason = int(match.group(1)), int(match.group(2)), match.group(3).strip()
    ticket = await turn.uow.tickets.get_by_number(number)
    if ticket is None:
        raise NotFound(f"No ticket HD-{number}. Check the number and try again.")
    assignee = ticket.assignee_id
    ticket = await uc.raise_level(turn.uow, person.actor, ticket.id, turn.now, reason or None, level)
    requeued = tr(turn.lang, "level_requeued") if assignee and ticket.assignee_id is None else ""
    turn.reply(tr(turn.lang, "level_set", ref=ticket.ref, level=level, requeued=requeued))
