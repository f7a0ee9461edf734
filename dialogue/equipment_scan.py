"""A scanned equipment sticker: the intake starts with the unit, its site, category and priority known.

The sticker's QR code carries `eq-<code>`: Telegram's deep link sends it as `/start eq-<code>`, WhatsApp's
link pre-fills it in the message, the web chat sends `/start eq-<code>` for `?eq=<code>`. The client then only
says what is wrong (and may send a photo). Someone of another client (a visitor) may report too: the ticket is
the unit's client's, flagged as a visitor's (`ticket_core.equipment.opening`).
"""

from __future__ import annotations

from dialogue import client_intake as intake
from dialogue.equipment_cards import unit_label
from dialogue.i18n import N_
from dialogue.identity import ClientPerson
from dialogue.turn import Turn
from ticket_core.enums import Priority
from ticket_core.equipment.model import UnitStatus, find_code


def sticker_code(text: str) -> str | None:
    """The sticker code a message carries, if any."""
    return find_code(text)


async def scan(turn: Turn, person: ClientPerson, code: str) -> None:
    """Start the intake about the unit whose sticker carries `code`."""
    unit = await turn.uow.equipment.get_by_code(code)
    if unit is None or unit.status is UnitStatus.RETIRED:
        turn.tell(
            "That equipment code is not known (or the unit is retired). Describe the problem and where it is, and I "
            "will open a request."
        )
        return
    equipment_type = await turn.uow.equipment.get_type(unit.type_id)
    site = await turn.uow.directory.get_site(unit.site_id)
    label = await unit_label(turn.uow, unit, turn.lang)
    draft = intake.start(turn)
    draft.unit_id, draft.unit_client_id, draft.unit_label = unit.id, unit.client_id, label
    draft.site_id = unit.site_id
    draft.category = equipment_type.category if equipment_type else "other"
    draft.priority = str(Priority.P3)
    visitor = unit.client_id != person.contact.client_id
    where = f"{site.name}, {site.address}" if site else ""
    turn.tell(
        N_(
            "You are reporting a fault on: {unit}\n{site}\n\nThis equipment belongs to another organisation: we will "
            "pass your report to its service desk. Tell me what is wrong. You may send a photo."
        )
        if visitor
        else N_(
            "You are reporting a fault on: {unit}\n{site}\n\nTell me what is wrong. You may send a photo."
        ),
        unit=label,
        site=where,
    )
    await intake.ask_next(turn, person)
