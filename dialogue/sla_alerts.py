"""SLA alerts in chat: warnings to the assignee, breaches to supervisors with buttons (their answers:
`dialogue.sla_answers`).

`notify(uow, out, ticket, event, now)` takes SLA events ("sla_*") and `priority_changed` /
`ticket_reassigned`, which `dialogue.notifications` subscribes to it as well.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from dialogue.cards import LEFT_REASSIGNED, retire_card
from dialogue.i18n import N_, say
from dialogue.messages import Bot
from dialogue.outgoing import ButtonSpec
from dialogue.payloads import JobStep, SlaAck, SlaClock, SlaExtend, SlaRaise, SlaReassign
from dialogue.texts import category_name, priority_name
from ticket_core import usecases as uc
from ticket_core.durations import DurationStyle, format_duration
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

CLOCK_NAMES: dict[str, str] = {"response": N_("response"), "resolution": N_("resolution")}
"""The two SLA clocks by `SlaKind` value, as a sentence names them ("the response deadline is close")."""


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
    """A chosen step for buttons and confirmations in its largest whole unit: "30 min", "2 h", "1 d"."""
    return format_duration(60 * minutes, lang, style=DurationStyle.WHOLE)


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
    return member.name if member else say(lang, "nobody")


def queue_buttons(ticket: Ticket, lang: str) -> list[list[ButtonSpec]]:
    """Reassign / Raise priority: what a supervisor does with a ticket nobody has taken."""
    n = ticket.number
    return [[(say(lang, "Reassign"), SlaReassign(n).encode()), *_raise(ticket, lang)]]


def _raise(ticket: Ticket, lang: str) -> list[ButtonSpec]:
    """Raise priority, unless the ticket is already at the top (P1)."""
    return (
        []
        if str(ticket.priority) == "P1"
        else [(say(lang, "Raise priority"), SlaRaise(ticket.number).encode())]
    )


def supervisor_buttons(ticket: Ticket, kind: SlaKind, level: int, lang: str) -> list[list[ButtonSpec]]:
    """Reassign / Raise priority / Acknowledge / Extend for one alert of a ticket."""
    n = ticket.number
    return [
        [(say(lang, "Reassign"), SlaReassign(n).encode()), *_raise(ticket, lang)],
        [
            (say(lang, "Acknowledge"), SlaAck(n, key_code(kind, level)).encode()),
            (say(lang, "Extend"), SlaExtend(n, KIND_CODE[kind]).encode()),
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
                        uow,
                        staff_id,
                        Bot.STAFF,
                        say(lang, "{name} took charge of {ref}.", name=name, ref=ticket.ref),
                        lang=lang,
                    )
        case SlaExtended():
            await _to_assignee(
                uow,
                out,
                ticket,
                N_("{ref} got {by} more time (supervisor {name}): {reason}."),
                by_minutes=event.minutes,
                reason=event.reason,
                name=event.actor.name or "-",
            )
            await _promise_to_client(uow, out, ticket, now)
        case PriorityChanged():
            await _to_assignee(
                uow,
                out,
                ticket,
                N_("{ref} priority changed: {old} -> {new} (supervisor {name})."),
                old=event.old,
                new=event.new,
                name=event.actor.name or "-",
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
        text = say(
            lang,
            "⚠ {ref}: the {clock} deadline is close: {due}.\n{badge}",
            ref=ticket.ref,
            clock=say(lang, CLOCK_NAMES[event.kind]),
            due=await _due_text(uow, ticket, event.due_at, lang, now),
            badge=badge,
        )
        buttons = (
            [[(say(lang, "Open job"), JobStep("v", ticket.number).encode())]]
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
            "clock": say(lang, CLOCK_NAMES[event.kind]),
            "due": await _due_text(uow, ticket, event.due_at, lang, now),
            "assignee": await staff_name(uow, ticket.assignee_id, lang),
            "badge": badge,
            "level": event.level,
            "notify": event.notify,
        }
        text = say(
            lang,
            N_(
                "🚨 Escalation level {level} ({notify}): {ref} ({priority}) - {clock} SLA breached, it was due {due}. "
                "Assignee: {assignee}.\n{badge}"
            )
            if higher
            else N_(
                "🚨 {clock} SLA breached: {ref} ({priority}, {category}).\nIt was due {due}. Assignee: {assignee}.\n{badge}"
            ),
            **values,
        )
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
            "clock": say(lang, CLOCK_NAMES[event.kind]),
            "due": await _due_text(uow, ticket, event.due_at, lang, now),
            "level": f"L{level}",
        }
        await out.to_person(
            uow,
            member.id,
            Bot.STAFF,
            say(
                lang,
                "⬆️ {ref} ({priority}) is escalated to level {level}: the {clock} SLA is breached, it was due {due}. "
                "A supervisor may hand it to you.",
                **values,
            ),
            lang=lang,
        )


async def _to_assignee(
    uow: UnitOfWork, out: Outgoing, ticket: Ticket, message: str, **values: object
) -> None:
    member = await uow.directory.get_staff(ticket.assignee_id) if ticket.assignee_id else None
    if member is None:
        return
    if "by_minutes" in values:
        values["by"] = duration_text(int(values.pop("by_minutes")), member.lang)  # type: ignore[call-overload]
    await out.to_person(
        uow, member.id, Bot.STAFF, say(member.lang, message, ref=ticket.ref, **values), lang=member.lang
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
            say(
                contact.lang,
                "Request {ref} is now expected to be resolved {promise}.",
                ref=ticket.ref,
                promise=promise,
            ),
            prefer_channel=ticket.source_channel,
            lang=contact.lang,
        )


async def _reassigned(
    uow: UnitOfWork, out: Outgoing, ticket: Ticket, event: TicketReassigned, now: datetime
) -> None:
    member = await uow.directory.get_staff(event.previous_assignee_id) if event.previous_assignee_id else None
    if member is not None:
        text = say(
            member.lang,
            "{ref} was reassigned by supervisor {name}; you no longer need to work on it.",
            ref=ticket.ref,
            name=event.actor.name or event.actor.id,
        )
        await out.to_person(uow, member.id, Bot.STAFF, text, lang=member.lang)
        await retire_card(uow, out, member.id, ticket, now, LEFT_REASSIGNED)  # no buttons: not theirs now
    if event.to_engineer_id is None and ticket.status.value in ("new", "reopened"):
        # Back in the queue: route again. Everyone offered the job since it opened (the previous assignee
        # too) is skipped by offer_ticket; if the bus routes it as well, the pending offer stops a second.
        await uc.offer_ticket(uow, Actor.system(), ticket.id, now)
