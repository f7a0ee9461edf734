"""SLA alerts in chat: warnings to the assignee, breaches to supervisors with buttons (their answers:
`dialogue.sla_answers`).

`notify(uow, out, ticket, event, now)` takes SLA events ("sla_*") and `priority_changed` /
`ticket_reassigned`, which `dialogue.notifications` subscribes to it as well.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from dialogue.cards import retire_card
from dialogue.messages import Bot
from dialogue.outgoing import ButtonSpec
from dialogue.payloads import JobStep, SlaAck, SlaClock, SlaExtend, SlaRaise, SlaReassign
from dialogue.texts import category_name, priority_name, translate
from ticket_core import usecases as uc
from ticket_core.enums import OPEN_STATUSES, Role
from ticket_core.events import DomainEvent
from ticket_core.model import Actor, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.sla.clock import SlaKind
from ticket_core.sla.display import format_promise
from ticket_core.sla.events import (
    PriorityChanged,
    SlaAcknowledged,
    SlaBreached,
    SlaEscalated,
    SlaExtended,
    SlaWarning,
    TicketReassigned,
)
from ticket_core.usecases import sla as sla_uc

if TYPE_CHECKING:
    from dialogue.outgoing import Outgoing

log = logging.getLogger(__name__)

SLA_EVENT_PREFIX = "sla_"
ALSO_HANDLED = frozenset({PriorityChanged.name, TicketReassigned.name})
EXTEND_CHOICES = (30, 60, 120, 240, 1440)
MAX_ENGINEER_BUTTONS = 6
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
KIND_CODE: dict[SlaKind, SlaClock] = {SlaKind.RESPONSE: "rsp", SlaKind.RESOLUTION: "rsl"}
CODE_KIND: dict[str, SlaKind] = {v: k for k, v in KIND_CODE.items()}

TEXTS: dict[str, tuple[str, str]] = {
    "warning": (
        "⚠ {ref}: срок {clock} подходит к концу — {due}.\n{badge}",
        "⚠ {ref}: the {clock} deadline is close: {due}.\n{badge}",
    ),
    "breach": (
        "🚨 Нарушен SLA {clock}: {ref} ({priority}, {category}).\nСрок был {due}. Исполнитель: {assignee}.\n{badge}",
        "🚨 {clock} SLA breached: {ref} ({priority}, {category}).\nIt was due {due}. Assignee: {assignee}.\n{badge}",
    ),
    "escalated_to_level": (
        "⬆️ {ref} ({priority}) эскалирована на уровень {level}: SLA {clock} нарушен, срок был {due}. "
        "Руководитель может передать её вам.",
        "⬆️ {ref} ({priority}) is escalated to level {level}: the {clock} SLA is breached, it was due {due}. "
        "A supervisor may hand it to you.",
    ),
    "escalated": (
        "🚨 Эскалация уровня {level} ({notify}): {ref} ({priority}) — SLA {clock} нарушен, срок был {due}. "
        "Исполнитель: {assignee}.\n{badge}",
        "🚨 Escalation level {level} ({notify}): {ref} ({priority}) - {clock} SLA breached, it was due {due}. "
        "Assignee: {assignee}.\n{badge}",
    ),
    "clock_response": ("ответа", "response"),
    "clock_resolution": ("решения", "resolution"),
    "nobody": ("не назначен", "nobody"),
    "btn_reassign": ("Переназначить", "Reassign"),
    "btn_raise": ("Повысить приоритет", "Raise priority"),
    "btn_ack": ("Беру на себя", "Acknowledge"),
    "btn_extend": ("Продлить срок", "Extend"),
    "btn_open_job": ("Открыть заявку", "Open job"),
    "btn_queue": ("Вернуть в очередь", "Back to the queue"),
    "ack_ok": (
        "Вы взяли на контроль {ref}. Остальные руководители увидят это.",
        "You took charge of {ref}. The other supervisors are told.",
    ),
    "ack_other": ("{name} взял{name:fem} на контроль {ref}.", "{name} took charge of {ref}."),
    "ack_already": ("{ref} уже на контроле: {name}.", "{name} has already taken charge of {ref}."),
    "raised_ok": ("Приоритет {ref} повышен: {priority}. {badge}", "{ref} is now {priority}. {badge}"),
    "reassign_q": ("Кому передать {ref}? Сейчас она у {name:gen}.", "Who gets {ref}? Now with {name}."),
    "reassign_q_nobody": ("Кому передать {ref}? Сейчас она ни у кого.", "Who gets {ref}? Nobody has it now."),
    "reassign_line": (
        "{mark} {name}: L{level}, {skills}; заявок {load} из {limit}",
        "{mark} {name}: L{level}, {skills}; jobs {load} of {limit}",
    ),
    "reassign_skill_key": ("✅ — умеет «{category}»", "✅ — can do {category}"),
    "reassigned_queue": (
        "{ref} возвращена в очередь; прежний исполнитель исключён из подбора.",
        "{ref} is back in the queue; the previous engineer is left out of routing.",
    ),
    "reassigned_to": ("{ref} предложена инженеру {name:dat}.", "{ref} was offered to {name}."),
    "taken_from_you": (
        "Заявку {ref} передали другому исполнителю (решение руководителя {name:gen}). Работать по ней больше не нужно.",
        "{ref} was reassigned by supervisor {name}; you no longer need to work on it.",
    ),
    "reason_q": (
        "Почему продлеваем срок {ref}? Напишите причину одним сообщением.",
        "Why does {ref} get more time? Write the reason in one message.",
    ),
    "duration_q": ("На сколько продлить {ref}?", "Extend {ref} by how much?"),
    "extended_ok": (
        "Срок {ref} продлён на {by}: {reason}. {badge}",
        "{ref} got {by} more: {reason}. {badge}",
    ),
    "extended_staff": (
        "Срок {ref} продлён на {by} (руководитель {name}): {reason}.",
        "{ref} got {by} more time (supervisor {name}): {reason}.",
    ),
    "priority_staff": (
        "Приоритет {ref} изменён: {old} → {new} (руководитель {name}).",
        "{ref} priority changed: {old} -> {new} (supervisor {name}).",
    ),
    "promise_client": (
        "По заявке {ref} ожидаемый срок решения: {promise}.",
        "Request {ref} is now expected to be resolved {promise}.",
    ),
    "not_supervisor": (
        "Эти кнопки — для руководителей смены. Если нужно продлить срок или передать заявку, напишите руководителю.",
        "These buttons are for supervisors. To extend a deadline or hand a job over, ask the supervisor on duty.",
    ),
    "sla_reason_empty": ("Напишите причину текстом.", "Please type the reason."),
    "minutes": ("{n} мин", "{n} min"),
    "hours": ("{n} ч", "{n} h"),
    "days": ("{n} д", "{n} d"),
}


def tr(lang: str, key: str, /, **values: object) -> str:
    """Return this module's text for `key` in `lang` ("ru" or anything else for English), filled with `values`."""
    return translate(TEXTS, lang, key, **values)


def handles(event: DomainEvent) -> bool:
    """Tell whether an event is one this module turns into messages (SLA events, priority, reassignment)."""
    return event.name.startswith(SLA_EVENT_PREFIX) or event.name in ALSO_HANDLED


def key_code(kind: SlaKind, level: int) -> str:
    """A short code of an alert key for a button: "rsl1" is the resolution clock at level 1."""
    return f"{KIND_CODE[kind]}{level}"


def parse_key_code(code: str) -> tuple[SlaKind, int] | None:
    """Parse `key_code` output; None when malformed."""
    kind = CODE_KIND.get(code[:3])
    if kind is None or not code[3:].isdigit():
        return None
    return kind, int(code[3:])


def duration_text(minutes: int, lang: str) -> str:
    """A short duration for buttons and confirmations: "30 min", "2 h", "1 d"."""
    if minutes % 1440 == 0:
        return tr(lang, "days", n=minutes // 1440)
    if minutes % 60 == 0:
        return tr(lang, "hours", n=minutes // 60)
    return tr(lang, "minutes", n=minutes)


async def _tz(uow: UnitOfWork, ticket: Ticket) -> str:
    site = await uow.directory.get_site(ticket.site_id) if ticket.site_id else None
    if site is not None:
        return site.timezone
    return uow.sla.config.timezone if uow.sla is not None else "Europe/Moscow"


async def _due_text(uow: UnitOfWork, ticket: Ticket, due_iso: str | None, lang: str, now: datetime) -> str:
    if not due_iso:
        return "-"
    return format_promise(datetime.fromisoformat(due_iso), lang=lang, tz=await _tz(uow, ticket), now=now)


async def staff_name(uow: UnitOfWork, staff_id: str | None, lang: str) -> str:
    member = await uow.directory.get_staff(staff_id) if staff_id else None
    return member.name if member else tr(lang, "nobody")


def queue_buttons(ticket: Ticket, lang: str) -> list[list[ButtonSpec]]:
    """Reassign / Raise priority: what a supervisor does with a ticket nobody has taken."""
    n = ticket.number
    return [[(tr(lang, "btn_reassign"), SlaReassign(n).encode()), *_raise(ticket, lang)]]


def _raise(ticket: Ticket, lang: str) -> list[ButtonSpec]:
    """Raise priority, unless the ticket is already at the top (P1)."""
    return [] if str(ticket.priority) == "P1" else [(tr(lang, "btn_raise"), SlaRaise(ticket.number).encode())]


def supervisor_buttons(ticket: Ticket, kind: SlaKind, level: int, lang: str) -> list[list[ButtonSpec]]:
    """Reassign / Raise priority / Acknowledge / Extend for one alert of a ticket."""
    n = ticket.number
    return [
        [(tr(lang, "btn_reassign"), SlaReassign(n).encode()), *_raise(ticket, lang)],
        [
            (tr(lang, "btn_ack"), SlaAck(n, key_code(kind, level)).encode()),
            (tr(lang, "btn_extend"), SlaExtend(n, KIND_CODE[kind]).encode()),
        ],
    ]


async def _supervisors(uow: UnitOfWork, with_admins: bool = False) -> list[tuple[str, str]]:
    people = list(await uow.directory.list_staff(Role.SUPERVISOR))
    if with_admins:
        people += await uow.directory.list_staff(Role.ADMIN)
    return [(m.id, m.lang) for m in people]


async def notify(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: DomainEvent, now: datetime) -> None:
    """Turn an SLA event (or a priority change / reassignment) into messages for the people concerned."""
    match event:
        case SlaWarning():
            await _warning(uow, out, ticket, event, now)
        case SlaBreached() | SlaEscalated():
            await _breach(uow, out, ticket, event, now)
        case SlaAcknowledged():
            for staff_id, lang in await _supervisors(uow, with_admins=True):
                if staff_id != event.actor.id:
                    name = event.actor.name or event.actor.id
                    await out.to_person(
                        uow, staff_id, Bot.STAFF, tr(lang, "ack_other", name=name, ref=ticket.ref), lang=lang
                    )
        case SlaExtended():
            await _to_assignee(
                uow,
                out,
                ticket,
                "extended_staff",
                by_minutes=event.minutes,
                reason=event.reason,
                name=event.actor.name or "-",
            )
            await _promise_to_client(uow, out, ticket, now)
        case PriorityChanged():
            await _to_assignee(
                uow, out, ticket, "priority_staff", old=event.old, new=event.new, name=event.actor.name or "-"
            )
            await _promise_to_client(uow, out, ticket, now)
        case TicketReassigned():
            await _reassigned(uow, out, ticket, event, now)
        case _:
            pass


async def _warning(uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: SlaWarning, now: datetime) -> None:
    # Nobody has the job yet: the supervisors are the ones who can still make the deadline.
    targets = [ticket.assignee_id] if ticket.assignee_id else [s for s, _ in await _supervisors(uow)]
    for staff_id in targets:
        member = await uow.directory.get_staff(staff_id) if staff_id else None
        if member is None:
            continue
        lang = member.lang
        badge = await sla_uc.sla_badge_for(uow, ticket, now, lang) or ""
        text = tr(
            lang,
            "warning",
            ref=ticket.ref,
            clock=tr(lang, f"clock_{event.kind}"),
            due=await _due_text(uow, ticket, event.due_at, lang, now),
            badge=badge,
        )
        buttons = (
            [[(tr(lang, "btn_open_job"), JobStep("v", ticket.number).encode())]]
            if member.role is Role.ENGINEER
            else queue_buttons(ticket, lang)  # nobody has it: give it to someone, or make it more urgent
        )
        await out.to_person(uow, member.id, Bot.STAFF, text, buttons, lang=lang)


async def _breach(
    uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: SlaBreached | SlaEscalated, now: datetime
) -> None:
    kind = SlaKind(event.kind)
    higher = isinstance(event, SlaEscalated)
    for staff_id, lang in await _supervisors(uow, with_admins=higher):
        badge = await sla_uc.sla_badge_for(uow, ticket, now, lang) or ""
        values = {
            "ref": ticket.ref,
            "priority": priority_name(lang, ticket.priority),
            "category": category_name(lang, ticket.category),
            "clock": tr(lang, f"clock_{event.kind}"),
            "due": await _due_text(uow, ticket, event.due_at, lang, now),
            "assignee": await staff_name(uow, ticket.assignee_id, lang),
            "badge": badge,
            "level": event.level,
            "notify": event.notify,
        }
        text = tr(lang, "escalated" if higher else "breach", **values)
        buttons = (
            supervisor_buttons(ticket, kind, event.level, lang) if ticket.status in OPEN_STATUSES else []
        )
        sent = await out.to_person(uow, staff_id, Bot.STAFF, text, buttons, lang=lang)
        if not sent:
            log.warning(
                "supervisor %s has no staff chat; SLA alert of %s not delivered", staff_id, ticket.ref
            )
    if isinstance(event, SlaEscalated) and event.notify in LEVEL_TARGETS:
        await _to_level(uow, out, ticket, event, LEVEL_TARGETS[str(event.notify)], now)


LEVEL_TARGETS = {"L2": 2, "L3": 3}
"""Escalation ladder steps that reach engineers of a level (and above) who have the job's skill."""


async def _to_level(
    uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: SlaEscalated, level: int, now: datetime
) -> None:
    """Tell the senior engineers who could take the job over that it is escalated to their level."""
    for member in await uow.directory.list_staff(Role.ENGINEER):
        if member.level < level or ticket.category not in member.skills or member.id == ticket.assignee_id:
            continue
        lang = member.lang
        values = {
            "ref": ticket.ref,
            "priority": priority_name(lang, ticket.priority),
            "clock": tr(lang, f"clock_{event.kind}"),
            "due": await _due_text(uow, ticket, event.due_at, lang, now),
            "level": f"L{level}",
        }
        await out.to_person(
            uow,
            member.id,
            Bot.STAFF,
            tr(lang, "escalated_to_level", **values),
            lang=lang,
        )


async def _to_assignee(uow: UnitOfWork, out: Outgoing, ticket: Ticket, key: str, **values: object) -> None:
    member = await uow.directory.get_staff(ticket.assignee_id) if ticket.assignee_id else None
    if member is None:
        return
    if "by_minutes" in values:
        values["by"] = duration_text(int(values.pop("by_minutes")), member.lang)  # type: ignore[call-overload]
    await out.to_person(
        uow, member.id, Bot.STAFF, tr(member.lang, key, ref=ticket.ref, **values), lang=member.lang
    )


async def _promise_to_client(uow: UnitOfWork, out: Outgoing, ticket: Ticket, now: datetime) -> None:
    contact = await uow.directory.get_contact(ticket.contact_id) if ticket.contact_id else None
    if contact is None:
        return
    promise = await sla_uc.sla_promise(uow, ticket, now, contact.lang)
    if promise:
        await out.to_person(
            uow,
            contact.id,
            Bot.CLIENT,
            tr(contact.lang, "promise_client", ref=ticket.ref, promise=promise),
            prefer_channel=ticket.source_channel,
            lang=contact.lang,
        )


async def _reassigned(
    uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: TicketReassigned, now: datetime
) -> None:
    member = await uow.directory.get_staff(event.previous_assignee_id) if event.previous_assignee_id else None
    if member is not None:
        text = tr(member.lang, "taken_from_you", ref=ticket.ref, name=event.actor.name or event.actor.id)
        await out.to_person(uow, member.id, Bot.STAFF, text, lang=member.lang)
        await retire_card(uow, out, member.id, ticket, now)  # its card: no buttons for a job not theirs
    if event.to_engineer_id is None and ticket.status.value in ("new", "reopened"):
        # Back in the queue: route again. Everyone offered the job since it opened (the previous assignee
        # too) is skipped by offer_ticket; if the bus routes it as well, the pending offer stops a second.
        await uc.offer_ticket(uow, Actor.system(), ticket.id, now)
