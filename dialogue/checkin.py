"""On site: an engineer's check-in by a shared location, asked about when it is far from the site."""

from __future__ import annotations

from dialogue.i18n import say
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
        button = (say(turn.lang, "I am on site"), JobStep("f", ticket.number).encode())
        away = km_text(turn.lang, far.km)
        text = say(
            turn.lang,
            "The location you shared is {km} km from the site of {ref} ({address}); you are not checked in yet. "
            'Share your location again once you are there, or press "I am on site" if the site\'s pin is off '
            "(a supervisor sees the distance).",
            km=away,
            ref=ticket.ref,
            address=ticket.address or "-",
        )
        turn.reply(text, [[button]])
        return None
    _say_checked_in(turn, ticket, km)
    return ticket


async def check_in_anyway(turn: Turn, actor: Actor, ticket: Ticket) -> Ticket | None:
    """ "I am on site" after a far location: check in there, its distance kept in the audit (None: the press
    is out of date, the location it meant was answered or replaced meanwhile)."""
    if not turn.state.checkin_at or turn.state.ticket != ticket.number:
        turn.tell("That button is out of date or not meant for you. Tell me what you need, or send /help.")
        return None
    lat, lon = turn.state.checkin_at
    ticket, km = await uc.check_in_on_site(turn.uow, actor, ticket.id, turn.now, lat, lon, far_ok=True)
    _say_checked_in(turn, ticket, km)
    return ticket


def _say_checked_in(turn: Turn, ticket: Ticket, km: float | None) -> None:
    turn.state.end_job_step()
    distance = say(turn.lang, ": {km} km from the site", km=km_text(turn.lang, km)) if km is not None else ""
    turn.reply(
        say(turn.lang, "Checked in on site for {ref}{distance}.", ref=ticket.ref, distance=distance),
        remove_keyboard=True,
    )
