"""On site: an engineer's check-in by a shared location, asked about when it is far from the site."""

from __future__ import annotations

from dialogue.payloads import JobStep
from dialogue.regions import km_text
from dialogue.turn import Turn
from ticket_core import usecases as uc
from ticket_core.model import Actor, Ticket
from ticket_core.usecases.work import FarFromSite


async def check_in(turn: Turn, actor: Actor, ticket: Ticket, lat: float, lon: float) -> Ticket | None:
    """Check in at the shared location; None when it is far from the site: nothing is recorded, the engineer
    is asked, and the location is kept for "I am on site" (`check_in_anyway`)."""
    try:
        ticket, km = await uc.check_in_on_site(turn.uow, actor, ticket.id, turn.now, lat, lon)
    except FarFromSite as far:
        turn.state.checkin_at = [lat, lon]
        button = (turn.tr("btn_on_site_anyway"), JobStep("f", ticket.number).encode())
        away = km_text(turn.lang, far.km)
        text = turn.tr("checkin_far", km=away, ref=ticket.ref, address=ticket.address or "-")
        turn.reply(text, [[button]])
        return None
    _say_checked_in(turn, ticket, km)
    return ticket


async def check_in_anyway(turn: Turn, actor: Actor, ticket: Ticket) -> Ticket | None:
    """ "I am on site" after a far location: check in there, its distance kept in the audit (None: the press
    is out of date, the location it meant was answered or replaced meanwhile)."""
    if not turn.state.checkin_at or turn.state.ticket != ticket.number:
        turn.say("bad_button")
        return None
    lat, lon = turn.state.checkin_at
    ticket, km = await uc.check_in_on_site(turn.uow, actor, ticket.id, turn.now, lat, lon, far_ok=True)
    _say_checked_in(turn, ticket, km)
    return ticket


def _say_checked_in(turn: Turn, ticket: Ticket, km: float | None) -> None:
    turn.state.end_job_step()
    distance = turn.tr("checked_in_distance", km=km_text(turn.lang, km)) if km is not None else ""
    turn.reply(turn.tr("checked_in", ref=ticket.ref, distance=distance), remove_keyboard=True)
