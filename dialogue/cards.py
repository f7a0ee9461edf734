"""Texts and buttons for ticket cards that several flows show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from dialogue.billing_cards import billing_lines, hold_lines, revisable
from dialogue.equipment_cards import unit_lines
from dialogue.i18n import N_, say
from dialogue.messages import Bot, Media
from dialogue.outgoing import ButtonSpec, Outgoing
from dialogue.payloads import JobStep, JobVerb, NotFixed, OfferAccept, OfferDecline, Rate
from dialogue.reason_texts import say_reasons
from dialogue.texts import category_name, priority_name, status_name
from ticket_core.enums import Role, TicketStatus
from ticket_core.events import EngineerOnSite, TicketReopened
from ticket_core.model import Attachment, Ticket
from ticket_core.ports import UnitOfWork
from ticket_core.short_text import short as short  # dialogue takes it from here; the web pages too
from ticket_core.usecases import sla as sla_uc

MAX_DESCRIPTION_IN_CARD = 600


def article_text(body: str, limit: int) -> str:
    """An article's body as a chat shows it, however it was reached (answered alone or picked from a list):
    its lines and paragraph breaks kept (one empty line between paragraphs), cut to `limit` characters on a
    word boundary with an ellipsis."""
    lines = [" ".join(line.split()) for line in body.strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    text = "\n".join(kept).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    boundary = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:boundary] if boundary > 0 else cut).rstrip() + "…"


async def where_of(uow: UnitOfWork, ticket: Ticket) -> str:
    """The site name and address of a ticket, as one line."""
    if ticket.site_id:
        site = await uow.directory.get_site(ticket.site_id)
        if site is not None:
            return f"{site.name}, {site.address}"
    if ticket.address:
        return ticket.address
    if ticket.lat is not None and ticket.lon is not None:
        return f"{ticket.lat:.5f}, {ticket.lon:.5f}"
    return "-"


MAX_PHOTOS_FORWARDED = 10


def client_photos(attachments: Sequence[Attachment]) -> tuple[Media, ...]:
    """A client's photos as media for a staff chat: each says where its file id is valid (`Media.source`), so
    the delivery carries it to the staff bot (a Telegram file id of the client bot means nothing to it)."""
    return tuple(
        Media("photo", a.file_id, a.caption, source=f"{a.channel}:{Bot.CLIENT}")
        for a in attachments
        if a.kind == "photo"
    )[:MAX_PHOTOS_FORWARDED]


def map_url(ticket: Ticket) -> str | None:
    """An OpenStreetMap link to the ticket's location, or None without one."""
    if ticket.lat is None or ticket.lon is None:
        return None
    return f"https://www.openstreetmap.org/?mlat={ticket.lat:.5f}&mlon={ticket.lon:.5f}#map=17/{ticket.lat:.5f}/{ticket.lon:.5f}"


def map_row(ticket: Ticket, lang: str) -> list[list[ButtonSpec]]:
    """A "Map" link button for a card, when the job has a location (a link, not a URL in the text)."""
    url = map_url(ticket)
    return [[(say(lang, "🗺 Map"), url)]] if url else []


async def client_waits(uow: UnitOfWork, ticket: Ticket) -> bool:
    """Whether the client wrote last in the ticket's conversation (so the engineer's message is a reply)."""
    public = await uow.comments.list_for_ticket(ticket.id, False)
    return bool(public) and public[-1].author.role is Role.CLIENT


async def client_name(uow: UnitOfWork, ticket: Ticket) -> str:
    """The client's name for staff cards: the company and its contact, or the private person themselves (whose
    "client" is only the name the bot registered them under)."""
    client = await uow.directory.get_client(ticket.client_id)
    contact = await uow.directory.get_contact(ticket.contact_id) if ticket.contact_id else None
    name = client.name if client else ticket.client_id
    if contact is None:
        return name
    person = f"{contact.name}{', ' + contact.phone if contact.phone else ''}"
    return person if client is not None and client.kind == "individual" else f"{name} ({person})"


async def _reopen_reason(uow: UnitOfWork, ticket: Ticket) -> str | None:
    """What the client (or supervisor) said when the ticket was last reopened: recorded in this unit of
    work (a reopen routes the ticket at once) or, later, read from the audit log."""
    for recorded in reversed(uow.collected):
        if isinstance(recorded, TicketReopened) and recorded.ticket_id == ticket.id:
            return short(recorded.reason, MAX_DESCRIPTION_IN_CARD) if recorded.reason else None
    for event in reversed(await uow.events.list_for_ticket(ticket.id)):
        if event.get("name") == TicketReopened.name:
            reason = (event.get("data") or {}).get("reason")
            return short(str(reason), MAX_DESCRIPTION_IN_CARD) if reason else None
    return None


async def offer_card(
    uow: UnitOfWork,
    ticket: Ticket,
    lang: str,
    reasons: list[str],
    now: datetime,
    engineer_id: str | None = None,
) -> tuple[str, list[list[ButtonSpec]]]:
    """The job offer an engineer sees, with Accept / Decline; a reopened job says so, why, and whether
    this engineer did the work before."""
    photos = sum(1 for a in ticket.attachments if a.kind == "photo")
    extra: dict[str, str] = {}
    card = N_(
        "New job {ref} ({priority})\nClient: {client}\nWhere: {where}\nType: {category}\n{description}{photos}\n\nWhy you: {why}"
    )
    if ticket.reopen_count:
        card = (
            N_(
                "Reopened job {ref} ({priority}), which you did\nWhy reopened: {reason}\nClient: {client}\nWhere: {where}\nType: {category}\n{description}{photos}\n\nWhy you: {why}"
            )
            if ticket.assignee_id and ticket.assignee_id == engineer_id
            else N_(
                "Reopened job {ref} ({priority})\nWhy reopened: {reason}\nClient: {client}\nWhere: {where}\nType: {category}\n{description}{photos}\n\nWhy you: {why}"
            )
        )
        extra["reason"] = await _reopen_reason(uow, ticket) or say(lang, "not given")
    text = say(
        lang,
        card,
        **extra,
        ref=ticket.ref,
        priority=priority_name(lang, ticket.priority),
        client=await client_name(uow, ticket),
        where=await where_of(uow, ticket),
        category=category_name(lang, ticket.category),
        description=short(ticket.description, MAX_DESCRIPTION_IN_CARD, keep_lines=True),
        photos=say(lang, "\n📷 Photos from the client: {n} (below)", n=photos) if photos else "",
        why=say_reasons(reasons, lang),
    )
    text += await unit_lines(uow, ticket, lang, now)
    text += await billing_lines(uow, ticket, lang, now, engineer_id)
    text += await badge_line(uow, ticket, lang, now)
    buttons = [
        [
            (say(lang, "Accept"), OfferAccept(ticket.number).encode()),
            (say(lang, "Decline"), OfferDecline(ticket.number).encode()),
        ],
        *map_row(ticket, lang),
    ]
    return text, buttons


def card_key(ticket: Ticket) -> str:
    """The name of a job's live card in a staff chat (`Outbound.card`): the offer, then the job card."""
    return f"job:{ticket.number}"


async def is_on_site(uow: UnitOfWork, ticket: Ticket) -> bool:
    """Whether the engineer checked in on site since they took the job (in this turn, or before)."""
    for recorded in uow.collected:
        if isinstance(recorded, EngineerOnSite) and recorded.ticket_id == ticket.id:
            return True
    since = ticket.accepted_at
    for event in await uow.events.list_for_ticket(ticket.id):
        if event.get("name") == EngineerOnSite.name and (since is None or event["at"] >= since):
            return True
    return False


def job_buttons(
    ticket: Ticket, lang: str, *, on_site: bool = False, revise: bool = False
) -> list[list[ButtonSpec]]:
    """The buttons an engineer has on one of their jobs, by its status ("On site" until they are; "Revise
    estimate" with `revise`: a paid job in progress, on site, not revised yet)."""
    n = ticket.number

    def step(label: str, verb: JobVerb) -> ButtonSpec:
        return (say(lang, label), JobStep(verb, n).encode())

    extra = [
        [step(N_("Note"), "n"), step(N_("Message the client"), "m")],
        [step(N_("📚 KB articles"), "k"), step(N_("Hand over"), "x")],
    ]
    site = [] if on_site else [step(N_("On site"), "c")]
    if ticket.status is TicketStatus.ACCEPTED:
        return [
            [step(N_("On the way"), "o"), *site],
            [step(N_("Waiting"), "h"), step(N_("Done"), "d")],
            *extra,
        ]
    if ticket.status is TicketStatus.IN_PROGRESS:
        revision = [[step(N_("Revise estimate"), "e")]] if revise and on_site else []
        return [[*site, step(N_("Waiting"), "h")], [step(N_("Done"), "d")], *revision, *extra]
    if ticket.status is TicketStatus.ON_HOLD:
        return [[step(N_("Resume"), "r"), step(N_("Done"), "d")], *extra]
    return []


async def badge_line(uow: UnitOfWork, ticket: Ticket, lang: str, now: datetime) -> str:
    """The ticket's SLA state as a last line of a staff card ("" once it is closed)."""
    badge = await sla_uc.sla_badge_for(uow, ticket, now, lang)
    return f"\n{badge}" if badge else ""


async def job_card(
    uow: UnitOfWork, ticket: Ticket, lang: str, now: datetime, *, live: bool = True
) -> tuple[str, list[list[ButtonSpec]]]:
    """One job as the engineer sees it, with the next steps and its SLA state; without `live` (a job no longer
    theirs) the card keeps only its map."""
    text = say(
        lang,
        "{ref} - {status}\nClient: {client}\nWhere: {where}\n{description}",
        ref=ticket.ref,
        status=status_name(lang, ticket.status),
        client=await client_name(uow, ticket),
        where=await where_of(uow, ticket),
        description=short(ticket.description, 300, keep_lines=True),
    )
    steps: list[list[ButtonSpec]] = []
    if live:
        on_site = await is_on_site(uow, ticket)
        revise = on_site and await revisable(uow, ticket, now)
        steps = job_buttons(ticket, lang, on_site=on_site, revise=revise)
    text += await unit_lines(uow, ticket, lang, now)
    text += await hold_lines(uow, ticket, lang)
    return text + await badge_line(uow, ticket, lang, now), [*steps, *map_row(ticket, lang)]


LEFT_YOU_DECLINED = N_("you declined it")
LEFT_TIME_RAN_OUT = N_("time to answer ran out")
LEFT_TAKEN = N_("taken by another engineer")
LEFT_REASSIGNED = N_("given to another engineer")
LEFT_LEVEL_RAISED = N_("passed to a more senior engineer")
"""Why a job's card is no longer an engineer's, said where its status was: the status of a job that went to
someone else ("new", "offered") reads as if it still waited for them."""


async def left_card(uow: UnitOfWork, ticket: Ticket, lang: str, why: str) -> str:
    """A job's card once it is no longer this engineer's (`why`, an N_ text above): it says so, with no SLA
    line (the job's deadline is not theirs to follow any more) and no buttons."""
    return say(
        lang,
        "{ref} - {why}\nClient: {client}\nWhere: {where}\n{description}",
        ref=ticket.ref,
        why=say(lang, why),
        client=await client_name(uow, ticket),
        where=await where_of(uow, ticket),
        description=short(ticket.description, 300, keep_lines=True),
    )


async def retire_card(
    uow: UnitOfWork,
    out: Outgoing,
    engineer_id: str | None,
    ticket: Ticket,
    now: datetime,
    why: str | None = None,
) -> None:
    """The job's card in an engineer's chats, brought to its state without their buttons: the offer expired or
    was taken, the job was cancelled, reassigned or escalated away from them. With `why` (see `left_card`) it
    says why it is not theirs instead of the job's status."""
    member = await uow.directory.get_staff(engineer_id) if engineer_id else None
    if member is None:
        return
    if why is None:
        text, buttons = await job_card(uow, ticket, member.lang, now, live=False)
    else:
        text, buttons = await left_card(uow, ticket, member.lang, why), []
    await out.to_person(uow, member.id, Bot.STAFF, text, buttons, lang=member.lang, card=card_key(ticket))


def rating_buttons(ticket: Ticket, lang: str) -> list[list[ButtonSpec]]:
    """1-5 rating buttons plus "Not fixed"."""
    n = ticket.number
    return [
        [(str(score), Rate(n, score).encode()) for score in range(1, 6)],
        [(say(lang, "Not fixed"), NotFixed(n).encode())],
    ]
