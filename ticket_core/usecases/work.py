"""The engineer's job steps: on the way, on site, hold, resume, hand over, resolve."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from ticket_core.billing.approvals import pending_revision
from ticket_core.billing.charging import charge_job
from ticket_core.billing.pricing import Part
from ticket_core.enums import OfferStatus, Role, TicketStatus
from ticket_core.errors import Forbidden, ValidationFailed
from ticket_core.events import (
    EngineerOnSite,
    EngineerOnTheWay,
    TicketHandedOver,
    TicketPutOnHold,
    TicketResolved,
    WorkResumed,
    WorkStarted,
)
from ticket_core.model import Actor, Offer, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.routing import haversine_km
from ticket_core.transitions import Action
from ticket_core.usecases._common import apply, check_location, clean_text, load_ticket, save

MAX_NOTE = 4000
MAX_TIME_SPENT_MIN = 7 * 24 * 60
ON_SITE_RADIUS_KM = 1.0
"""A check-in farther than this from the site's coordinates is asked about before it is taken (a phone's fix in
a city is good to about 100 m; a large site's gate can be a few hundred metres from its pin)."""


class FarFromSite(ValidationFailed):
    """A check-in's location is farther than `ON_SITE_RADIUS_KM` from the site; nothing was recorded."""

    def __init__(self, ref: str, km: float) -> None:
        super().__init__(
            "The location you shared is {km} km from the site of {ref}; check in once you are there.",
            km=f"{km:.1f}",
            ref=ref,
        )
        self.km = km


async def start_work(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime) -> Ticket:
    """Mark an accepted job as in progress (the engineer is on the way or on site)."""
    ticket = await load_ticket(uow, ticket_id)
    apply(ticket, Action.START, actor, now)
    await save(uow, ticket)
    uow.record(WorkStarted(ticket_id=ticket.id, actor=actor, at=now))
    return ticket


async def _start_if_accepted(uow: UnitOfWork, actor: Actor, ticket: Ticket, now: datetime) -> None:
    """An accepted job starts with the first step on the way; later steps only check it is the actor's."""
    if ticket.status is TicketStatus.ACCEPTED:
        apply(ticket, Action.START, actor, now)
        await save(uow, ticket)
        uow.record(WorkStarted(ticket_id=ticket.id, actor=actor, at=now))
    elif ticket.assignee_id != actor.id:
        raise Forbidden("Ticket {ref} is assigned to someone else.", ref=ticket.ref)


async def report_on_the_way(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime) -> Ticket:
    """The engineer is travelling to the site: the job is in progress from now."""
    ticket = await load_ticket(uow, ticket_id)
    await _start_if_accepted(uow, actor, ticket, now)
    uow.record(EngineerOnTheWay(ticket_id=ticket.id, actor=actor, at=now))
    return ticket


async def check_in_on_site(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: str,
    now: datetime,
    lat: float | None = None,
    lon: float | None = None,
    *,
    far_ok: bool = False,
) -> tuple[Ticket, float | None]:
    """The engineer is on site; a shared location is recorded with its distance to the site.

    Returns the ticket and the distance in km (None without a location or site coordinates).

    Raises:
        FarFromSite: the location is more than `ON_SITE_RADIUS_KM` from the site and `far_ok` is not set (the
            engineer confirms "I am on site" to check in there anyway; the distance stays in the audit).
    """
    check_location(lat, lon)
    ticket = await load_ticket(uow, ticket_id)
    distance = None
    if lat is not None and lon is not None and ticket.lat is not None and ticket.lon is not None:
        distance = round(haversine_km(lat, lon, ticket.lat, ticket.lon), 3)
    if distance is not None and distance > ON_SITE_RADIUS_KM and not far_ok:
        if ticket.assignee_id != actor.id:
            raise Forbidden("Ticket {ref} is assigned to someone else.", ref=ticket.ref)
        raise FarFromSite(ticket.ref, distance)
    await _start_if_accepted(uow, actor, ticket, now)
    uow.record(
        EngineerOnSite(ticket_id=ticket.id, actor=actor, at=now, lat=lat, lon=lon, distance_km=distance)
    )
    return ticket, distance


async def hand_over(
    uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime, reason: str | None = None
) -> Ticket:
    """Give a job back so it goes to another engineer; the one handing over is not offered it again."""
    text = clean_text(reason, field="reason", max_len=500)
    ticket = await load_ticket(uow, ticket_id)
    if ticket.assignee_id != actor.id:
        raise Forbidden("Ticket {ref} is assigned to someone else.", ref=ticket.ref)
    await step_aside(uow, actor, ticket, now, "handed over")
    uow.record(
        TicketHandedOver(ticket_id=ticket.id, actor=actor, at=now, from_engineer_id=actor.id, reason=text)
    )
    return ticket


async def step_aside(uow: UnitOfWork, actor: Actor, ticket: Ticket, now: datetime, why: str) -> None:
    """Give the actor's job back to the queue and keep them out of its next routing.

    A declined offer on record is what keeps them out; `why` is its reason.
    """
    apply(ticket, Action.RETURN_TO_QUEUE, actor, now)
    ticket.assignee_id = None
    await save(uow, ticket)
    await uow.offers.add(
        Offer(
            str(uuid.uuid4()), ticket.id, actor.id, OfferStatus.DECLINED, now, now, reason=why, decided_at=now
        )
    )


async def put_on_hold(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime, reason: str) -> Ticket:
    """Pause a job while waiting for parts or for the client."""
    text = clean_text(reason, field="reason for waiting", max_len=500, required=True)
    ticket = await load_ticket(uow, ticket_id)
    apply(ticket, Action.HOLD, actor, now)
    await save(uow, ticket)
    uow.record(TicketPutOnHold(ticket_id=ticket.id, actor=actor, at=now, reason=text or ""))
    return ticket


async def resume_work(uow: UnitOfWork, actor: Actor, ticket_id: str, now: datetime) -> Ticket:
    """Resume a job that was on hold."""
    ticket = await load_ticket(uow, ticket_id)
    apply(ticket, Action.RESUME, actor, now)
    await save(uow, ticket)
    uow.record(WorkResumed(ticket_id=ticket.id, actor=actor, at=now))
    return ticket


async def resolve_ticket(
    uow: UnitOfWork,
    actor: Actor,
    ticket_id: str,
    now: datetime,
    note: str,
    time_spent_min: int | None = None,
    checklist: Sequence[tuple[str, str]] = (),
    parts: Sequence[Part] = (),
) -> Ticket:
    """Mark the job done with a resolution note (and the time spent, the checklist ticked, each item as
    (Russian, English), and the parts used); the client is then asked to rate.

    Where the client is billed, the round's time, call-out and parts become charge lines in the same unit
    (`ticket_core.billing.charging`)."""
    text = clean_text(note, field="resolution note", max_len=MAX_NOTE, required=True)
    if time_spent_min is not None and not (0 <= time_spent_min <= MAX_TIME_SPENT_MIN):
        raise ValidationFailed("Time spent must be between 0 minutes and 7 days.")
    ticket = await load_ticket(uow, ticket_id)
    if await pending_revision(uow, ticket) is not None:  # the extra work waits for the client's answer
        raise ValidationFailed(
            "{ref} waits for the client to approve the revised estimate; finish the job after their answer.",
            ref=ticket.ref,
        )
    apply(ticket, Action.RESOLVE, actor, now)
    ticket.resolution_note = text
    ticket.time_spent_min = time_spent_min
    await save(uow, ticket)
    uow.record(
        TicketResolved(
            ticket_id=ticket.id,
            actor=actor,
            at=now,
            note=text or "",
            time_spent_min=time_spent_min,
            checklist=tuple((str(ru), str(en)) for ru, en in checklist),
        )
    )
    await charge_job(uow, actor, ticket, now, minutes=time_spent_min or 0, parts=parts)
    return ticket


async def set_shift(uow: UnitOfWork, actor: Actor, on_shift: bool) -> None:
    """An engineer starts or ends their shift; off shift they get no new offers (their jobs stay theirs)."""
    if actor.role is not Role.ENGINEER:
        raise Forbidden("Only engineers go on and off shift.")
    await uow.directory.set_on_shift(actor.id, on_shift)
