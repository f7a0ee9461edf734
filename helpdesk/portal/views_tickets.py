"""The contact's tickets: the list (filters, search), one ticket's history, a comment or photos, a rating, a
reopen, a new request; and the photos of a ticket, served to those who may see it.

Every change runs a `ticket_core` use case through `engine.run_system`, so the engineer hears of it, the SLA
clock and routing move and the audit log records it exactly as for the same step in a chat. The actor is the
contact with their site scope (`PortalUser.actor`); the use cases check it, so another client's ticket is
"not found" in the same words as a missing one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bots.webchat.uploads import sniff_image
from dialogue.messages import DeliveryError
from dialogue.texts import CATEGORIES, category_name, status_name
from helpdesk.admin.i18n import _
from helpdesk.portal.context import PortalUser, current_user, page_uow, portal_context
from helpdesk.portal.pages import html, refused, texts_of
from helpdesk.portal.photos import read_photos
from helpdesk.portal.routes import RouteTable
from storage.uow import SqlUnitOfWork
from ticket_core import usecases as uc
from ticket_core.enums import OPEN_STATUSES, TicketStatus
from ticket_core.equipment.model import Unit, UnitFilter, UnitStatus
from ticket_core.errors import NotFound, ValidationFailed
from ticket_core.model import Attachment, Site, Ticket, TicketQuery
from ticket_core.usecases.client_view import list_client_tickets, ticket_history

ROUTES = RouteTable()
PAGE = 20
CHANNEL = "portal"
"""`source_channel` of a ticket opened here (the contact hears about it in their chats, as for the web form)."""

FILTERS: dict[str, tuple[TicketStatus, ...]] = {
    "open": tuple(sorted(OPEN_STATUSES)),
    "done": (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.CANCELLED),
    "all": (),
}


def _number(request: web.Request) -> int:
    raw = request.match_info["number"].strip().upper().removeprefix("HD-")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise NotFound(
            "No ticket {ref} among yours. Check the number and try again.",
            ref=request.match_info["number"][:20],
        )
    return int(raw)


async def _sites(uow: SqlUnitOfWork, user: PortalUser) -> list[Site]:
    """The sites the contact may choose: every site of the client for a manager, else their own."""
    sites = await uow.directory.list_sites(user.client.id)
    if user.contact.manager or user.contact.site_id is None:
        return sites
    return [s for s in sites if s.id == user.contact.site_id]


async def _run(request: web.Request, work: Any) -> Any:
    """Run a use case through the engine (events on the bus, messages to the outbox) and wake the delivery."""
    ctx = portal_context(request)
    results: list[Any] = []

    async def system_work(uow: SqlUnitOfWork, now: datetime) -> None:
        results.append(await work(uow, now))

    await ctx.rt.engine.run_system(system_work)
    ctx.rt.wake_delivery()
    return results[0]


@ROUTES.route("GET", "/", "tickets", reads_in_guard=True)
async def tickets_page(request: web.Request) -> web.StreamResponse:
    """The contact's tickets, newest first: open / done / all, a site, a text or a number to find."""
    user = current_user(request)
    which = request.query.get("status", "open")
    which = which if which in FILTERS else "open"
    text = request.query.get("q", "").strip()[:200]
    site_id = request.query.get("site", "").strip()[:64] or None
    before_raw = request.query.get("before", "")
    before = (
        int(before_raw) if before_raw.isascii() and before_raw.isdigit() and len(before_raw) < 10 else None
    )
    query = TicketQuery(FILTERS[which], site_id, text or None, before, PAGE + 1)
    async with page_uow(request) as uow:
        found = await list_client_tickets(uow, user.actor, query)
        sites = await _sites(uow, user)
    more = len(found) > PAGE
    items = found[:PAGE]
    site_names = {s.id: s.name for s in sites}
    return html(
        request,
        "tickets.html",
        tickets=items,
        more_before=items[-1].number if more and items else None,
        which=which,
        text=text,
        site_id=site_id or "",
        sites=sites,
        site_names=site_names,
        status_label=lambda s: status_name(texts_of(request).lang, str(s)),
        category_label=lambda c: category_name(texts_of(request).lang, c),
    )


def _photos(ticket: Ticket, entries: Any) -> list[Attachment]:
    """Every photo of a ticket in the order the page numbers them: the request's, then the messages'."""
    photos = [a for a in ticket.attachments if a.kind == "photo"]
    for entry in entries:
        photos.extend(a for a in entry.attachments if a.kind == "photo")
    return photos


@ROUTES.route("GET", "/t/{number}", "ticket", reads_in_guard=True)
async def ticket_page(request: web.Request) -> web.StreamResponse:
    """One ticket: what was asked, who has it, the visits, and its history with the public messages."""
    ctx = portal_context(request)
    user = current_user(request)
    async with page_uow(request) as uow:
        history = await ticket_history(uow, user.actor, _number(request))
        site = await uow.directory.get_site(history.ticket.site_id) if history.ticket.site_id else None
        following = user.contact.id in await uow.tickets.followers(history.ticket.id)
    ticket = history.ticket
    now = ctx.clock()
    window = timedelta(days=ctx.rt.settings.reopen_window_days)
    resolved_at = ticket.resolved_at
    may_reopen = ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and (
        resolved_at is None or now - resolved_at <= window
    )
    lang = texts_of(request).lang
    photo_index: dict[int, int] = {}
    for i, photo in enumerate(_photos(ticket, history.entries)):
        photo_index[id(photo)] = i
    return html(
        request,
        "ticket.html",
        t=ticket,
        history=history,
        site=site,
        status_text=status_name(lang, str(ticket.status)),
        category=category_name(lang, ticket.category),
        may_comment=ticket.status not in (TicketStatus.CANCELLED,),
        may_rate=ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and ticket.rating is None,
        may_reopen=may_reopen,
        own=ticket.contact_id == user.contact.id,
        following=following,
        ticket_photos=[i for i, a in enumerate(ticket.attachments) if a.kind == "photo"],
        photo_of=lambda a: photo_index.get(id(a)),
    )


@ROUTES.route("POST", "/t/{number}/comment", "comment")
async def comment_post(request: web.Request) -> web.StreamResponse:
    """Add a message (and photos) to the ticket; the engineer on it gets them in their chat."""
    user = current_user(request)
    number = _number(request)
    form = await request.post()
    text = str(form.get("text", ""))
    photos = read_photos(portal_context(request).rt.webchat.uploads, form)

    async def work(uow: SqlUnitOfWork, now: datetime) -> object:
        ticket = await uc.get_ticket_by_number(uow, user.actor, number)
        comment = await uc.add_comment(uow, user.actor, ticket.id, now, text, attachments=photos.attachments)
        await photos.write()  # only once the use case took the message: a refused one leaves no file
        return comment

    await photos.kept_by(lambda: _run(request, work))
    raise web.HTTPSeeOther(f"/portal/t/{number}?done=comment#history")


@ROUTES.route("POST", "/t/{number}/follow", "follow")
async def follow_post(request: web.Request) -> web.StreamResponse:
    """Hear about a colleague's request in one's own chats (or mail), or stop."""
    user = current_user(request)
    number = _number(request)
    form = await request.post()
    following = str(form.get("following", "1")) == "1"

    async def work(uow: SqlUnitOfWork, now: datetime) -> object:
        ticket = await uc.get_ticket_by_number(uow, user.actor, number)
        return await uc.follow_ticket(uow, user.actor, ticket.id, now, following=following)

    await _run(request, work)
    raise web.HTTPSeeOther(f"/portal/t/{number}?done={'following' if following else 'unfollowed'}")


@ROUTES.route("POST", "/t/{number}/rate", "rate")
async def rate_post(request: web.Request) -> web.StreamResponse:
    """Rate the finished work from 1 to 5, with an optional comment (a resolved ticket closes)."""
    user = current_user(request)
    number = _number(request)
    form = await request.post()
    raw = str(form.get("score", ""))
    if raw not in ("1", "2", "3", "4", "5"):
        raise ValidationFailed(_("Choose a score from 1 to 5."))
    comment = str(form.get("comment", "")) or None

    async def work(uow: SqlUnitOfWork, now: datetime) -> object:
        ticket = await uc.get_ticket_by_number(uow, user.actor, number)
        return await uc.rate_ticket(uow, user.actor, ticket.id, now, int(raw), comment)

    await _run(request, work)
    raise web.HTTPSeeOther(f"/portal/t/{number}?done=rated")


@ROUTES.route("POST", "/t/{number}/reopen", "reopen")
async def reopen_post(request: web.Request) -> web.StreamResponse:
    """Reopen a finished ticket within the reopen window, saying what is still wrong."""
    user = current_user(request)
    number = _number(request)
    form = await request.post()
    reason = str(form.get("reason", ""))
    window = timedelta(days=portal_context(request).rt.settings.reopen_window_days)

    async def work(uow: SqlUnitOfWork, now: datetime) -> object:
        ticket = await uc.get_ticket_by_number(uow, user.actor, number)
        return await uc.reopen_ticket(uow, user.actor, ticket.id, now, reason, window)

    await _run(request, work)
    raise web.HTTPSeeOther(f"/portal/t/{number}?done=reopened")


@ROUTES.route("GET", "/t/{number}/photo/{index}", "photo")
async def photo(request: web.Request) -> web.StreamResponse:
    """A photo of a ticket the contact may see (the request's or a public message's), fetched from the
    channel that received it; only images are served, typed from their bytes."""
    ctx = portal_context(request)
    user = current_user(request)
    raw = request.match_info["index"]
    index = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else -1
    async with ctx.rt.uows() as uow:
        history = await ticket_history(uow, user.actor, _number(request))
    photos = _photos(history.ticket, history.entries)
    if not 0 <= index < len(photos):
        raise web.HTTPNotFound()
    item = photos[index]
    source = ctx.rt.senders.get((item.channel, "client"))
    fetch = getattr(source, "fetch_file", None)
    if fetch is None:
        raise web.HTTPNotFound()
    try:
        data: bytes = await fetch(item.file_id)
    except DeliveryError:
        raise web.HTTPNotFound() from None
    kind = sniff_image(data[:16])
    if kind is None:
        raise web.HTTPNotFound()
    mime = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}[kind]
    return web.Response(body=data, content_type=mime, headers={"Cache-Control": "private, max-age=3600"})


@ROUTES.route("GET", "/new", "new", reads_in_guard=True)
async def new_page(request: web.Request) -> web.StreamResponse:
    """The form for a new request: site, equipment when known, category, description, photos."""
    return await _new_form(request)


async def _new_form(
    request: web.Request, *, status: int = 200, error: str = "", values: dict[str, str] | None = None
) -> web.Response:
    user = current_user(request)
    lang = texts_of(request).lang
    async with page_uow(request) as uow:
        sites = await _sites(uow, user)
        units: list[Unit] = []
        for site in sites[:50]:
            units.extend(
                u
                for u in await uow.equipment.find(
                    UnitFilter(client_id=user.client.id, site_id=site.id), limit=200
                )
                if u.status is not UnitStatus.RETIRED
            )
    return html(
        request,
        "new.html",
        status=status,
        error=error,
        sites=sites,
        units=units,
        site_names={s.id: s.name for s in sites},
        categories=[(key, category_name(lang, key)) for key in CATEGORIES],
        values=values or {},
    )


@ROUTES.route("POST", "/new", "new-post")
async def new_post(request: web.Request) -> web.StreamResponse:
    """Open the request through `open_ticket` (routing, SLA and notifications as from a chat)."""
    user = current_user(request)
    tr = texts_of(request)
    form = await request.post()
    values = {k: str(form.get(k, ""))[:4000] for k in ("site", "unit", "category", "description")}
    if values["category"] not in CATEGORIES:
        return await _new_form(
            request, status=400, error=tr(_("Choose what the request is about.")), values=values
        )
    if not values["description"].strip():
        return await _new_form(
            request, status=400, error=tr(_("Describe the problem in a few words.")), values=values
        )
    try:
        photos = read_photos(portal_context(request).rt.webchat.uploads, form)
    except ValidationFailed as error:
        return await _new_form(request, status=400, error=refused(request, error), values=values)

    async def work(uow: SqlUnitOfWork, now: datetime) -> Ticket:
        draft = uc.TicketDraft(
            client_id=user.client.id,
            category=values["category"],
            description=values["description"],
            site_id=values["site"] or None,
            unit_id=values["unit"] or None,
            attachments=list(photos.attachments),
            source_channel=CHANNEL,
        )
        ticket = await uc.open_ticket(uow, user.actor, draft, now)
        await photos.write()  # only once the request was accepted (site in scope, a description)
        return ticket

    ticket = await photos.kept_by(lambda: _run(request, work))
    raise web.HTTPSeeOther(f"/portal/t/{ticket.number}?done=opened")
