"""The unit on an engineer's offer and job cards (#19): what it is, its warranty, the last three tickets on it
and whether this is a repeat fault; and the parts an engineer's done note says were replaced."""

from __future__ import annotations

from datetime import date, datetime

from dialogue.i18n import N_, say
from dialogue.texts import status_name
from dialogue.turn import Turn
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.history import last_tickets, parse_parts, repeat_of
from ticket_core.equipment.model import Unit
from ticket_core.model import Actor, Ticket, format_ref
from ticket_core.ports import UnitOfWork


def _day(lang: str, day: date) -> str:
    return f"{day:%d.%m.%Y}" if lang == "ru" else day.isoformat()


async def unit_label(uow: UnitOfWork, unit: Unit, lang: str) -> str:
    """The unit as a person reads it: type, name, model, location."""
    equipment_type = await uow.equipment.get_type(unit.type_id)
    kind = equipment_type.name(lang) if equipment_type else unit.type_id
    details = ", ".join(v for v in (unit.model, unit.location) if v)
    return f"{kind} «{unit.name}»" + (f" ({details})" if details else "")


async def unit_lines(uow: UnitOfWork, ticket: Ticket, lang: str, now: datetime) -> str:
    """Lines for a staff card about the ticket's unit ("" when the ticket is not about one)."""
    linked = await uow.equipment.unit_of_ticket(ticket.id)
    unit = await uow.equipment.get(linked[0]) if linked else None
    if linked is None or unit is None:
        return ""
    lines = [say(lang, "Equipment: {unit}", unit=await unit_label(uow, unit, lang))]
    if unit.warranty_until is not None:
        warranty = (
            N_("under warranty until {date}") if unit.in_warranty(now.date()) else N_("warranty ended {date}")
        )
        lines[0] += "; " + say(lang, warranty, date=_day(lang, unit.warranty_until))
    if linked[1]:
        lines.append(say(lang, "Reported by a visitor (not the client's staff)"))
    history = await uow.equipment.history(unit.id, 10)
    repeat = repeat_of(history, ticket.id, ticket.created_at)
    if repeat is not None:
        days = max(0, (ticket.created_at - repeat.created_at).days)
        lines.append(
            say(lang, "⚠ Repeat fault: {ref} {days} days ago", ref=format_ref(repeat.number), days=days)
        )
    recent = last_tickets(history, ticket.id)
    if recent:
        refs = ", ".join(
            f"{format_ref(h.number)} {_day(lang, h.created_at.date())} ({status_name(lang, h.status)})"
            for h in recent
        )
        lines.append(say(lang, "Last tickets: {refs}", refs=refs))
    return "\n" + "\n".join(lines)


async def parts_hint(turn: Turn, ticket: Ticket) -> str:
    """A line under "describe what you did" for a job on a unit: how to record the parts replaced."""
    linked = await turn.uow.equipment.unit_of_ticket(ticket.id)
    return (
        "\n"
        + say(
            turn.lang,
            'Replaced parts? Add a line "Replaced: filter x2, belt": they go into the unit\'s history.',
        )
        if linked
        else ""
    )


async def record_parts_from_note(turn: Turn, actor: Actor, ticket: Ticket, note: str) -> None:
    """Record the parts a done note names on the ticket's unit, and say what was recorded."""
    await record_parts_list(turn, actor, ticket, parse_parts(note))


async def record_parts_list(turn: Turn, actor: Actor, ticket: Ticket, parts: list[tuple[str, int]]) -> None:
    """Record parts (name, quantity) on the ticket's unit, and say what was recorded."""
    if not parts:
        return
    recorded = await eq.record_parts(turn.uow, actor, ticket.id, parts, turn.now)
    if recorded:
        listed = ", ".join(f"{p.part} x{p.quantity}" for p in recorded)
        turn.tell("{ref}: recorded on the unit: {parts}.", ref=ticket.ref, parts=listed)
