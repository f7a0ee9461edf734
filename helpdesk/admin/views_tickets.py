"""Ticket pages: the filtered list (keyset paging) and one ticket with its timeline, comments (internal
notes too), photos and SLA clocks."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bots.webchat.render import media_url
from dialogue.messages import Media
from dialogue.regions import zone_name
from helpdesk.admin import pickers, sla_panel, timeline
from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user, sla_config_of
from helpdesk.admin.i18n import _
from helpdesk.admin.pages import html, texts_of
from helpdesk.admin.routes import RouteTable
from helpdesk.api.serialize import event as event_dict
from ticket_core import usecases as uc
from ticket_core.enums import Role, TicketStatus
from ticket_core.errors import ValidationFailed
from ticket_core.lists import SlaFilter, TicketFilter
from ticket_core.model import Attachment
from ticket_core.usecases.sla import sla_of

ROUTES = RouteTable()
PAGE_SIZE = 50
STATUSES = [s.value for s in TicketStatus]


def _text(request: web.Request, name: str, max_len: int = 64) -> str:
    return (request.query.get(name) or "").strip()[:max_len]


def parse_query(request: web.Request) -> tuple[TicketFilter, int | None, list[str]]:
    """The list's filters from the query string, the keyset cursor, and what was ignored (with why)."""
    errors: list[str] = []
    tr = texts_of(request)
    statuses: list[TicketStatus] = []
    for raw in request.query.getall("status", []):
        for name in raw.split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name in STATUSES:
                statuses.append(TicketStatus(name))
            else:
                errors.append(tr("Status {name} is unknown; pick from the list.", name=repr(name)))
    sla_raw = _text(request, "sla", 16)
    sla: SlaFilter | None = None
    if sla_raw:
        try:
            sla = SlaFilter(sla_raw)
        except ValueError:
            errors.append(tr("SLA state {name} is unknown; pick one from the list.", name=repr(sla_raw)))
    before_raw = _text(request, "before", 12)
    before = int(before_raw) if before_raw.isdigit() else None
    where = TicketFilter(
        statuses=tuple(dict.fromkeys(statuses)),
        client_id=_text(request, "client", 200) or None,
        site_id=_text(request, "site", 200) or None,
        assignee_id=_text(request, "engineer") or None,
        sla=sla,
    )
    return where, before, errors


def _filters(where: TicketFilter) -> list[tuple[str, str]]:
    pairs = [("status", str(s)) for s in where.statuses]
    for key, value in (("client", where.client_id), ("site", where.site_id), ("engineer", where.assignee_id)):
        if value:
            pairs.append((key, value))
    if where.sla is not None:
        pairs.append(("sla", str(where.sla)))
    return pairs


@ROUTES.route("GET", "/tickets", "tickets", Area.TICKETS)
async def tickets_list(request: web.Request) -> web.StreamResponse:
    """Tickets newest first, filtered by status, client, site, engineer and SLA state; 50 a page."""
    ctx = admin_context(request)
    where, before, errors = parse_query(request)
    tr = texts_of(request)
    async with ctx.rt.uows() as uow:
        picked = await pickers.pick_client_and_site(
            uow.directory_lists, where.client_id, where.site_id, errors, tr
        )
        client, site, clients, sites = picked
        where = replace(where, client_id=client.id if client else None, site_id=site.id if site else None)
        ladder = sla_config_of(uow).ladder
        rows, total, next_before = await uow.ticket_lists.listing(
            where, ladder, before=before, limit=PAGE_SIZE
        )
        engineers = await uow.directory.list_staff(Role.ENGINEER)
    names = {m.id: m.name for m in engineers}
    filters = _filters(where)
    return html(
        request,
        "tickets.html",
        rows=rows,
        total=total,
        where=where,
        statuses=STATUSES,
        sla_states=[s.value for s in SlaFilter],
        engineers=engineers,
        names=names,
        errors=errors,
        clients=clients,
        sites=sites,
        client_text=client.name if client else _text(request, "client", 200),
        site_text=site.name if site else _text(request, "site", 200),
        first_url=f"/admin/tickets?{urlencode(filters)}" if before is not None else "",
        next_url=f"/admin/tickets?{urlencode([*filters, ('before', str(next_before))])}"
        if next_before
        else "",
    )


def _attachment(a: Attachment | Any) -> dict[str, Any]:
    """What the page can show of an attachment: a link for our uploads and web URLs, else its id."""
    url = media_url(Media(a.kind, a.file_id, a.caption))
    return {
        "kind": a.kind,
        "caption": a.caption,
        "url": url,
        "file_id": a.file_id,
        "channel": getattr(a, "channel", ""),
    }


@ROUTES.route("GET", "/tickets/{number}", "ticket", Area.TICKETS)
async def ticket_page(request: web.Request) -> web.StreamResponse:
    """One ticket: details, SLA clocks, comments with internal notes, photos and the audit timeline."""
    ctx = admin_context(request)
    raw = request.match_info["number"].strip().upper().removeprefix("HD-")
    if not raw.isdigit() or len(raw) > 9:
        raise ValidationFailed(
            _("'{number}' is not a ticket number; use e.g. 1042."), number=request.match_info["number"]
        )
    actor = current_user(request).actor
    async with ctx.rt.uows() as uow:
        ticket = await uc.get_ticket_by_number(uow, actor, int(raw))
        comments = await uow.comments.list_for_ticket(ticket.id, True)
        events = await uow.events.list_for_ticket(ticket.id)
        client = await uow.directory.get_client(ticket.client_id)
        site = await uow.directory.get_site(ticket.site_id) if ticket.site_id else None
        contact = await uow.directory.get_contact(ticket.contact_id) if ticket.contact_id else None
        assignee = await uow.directory.get_staff(ticket.assignee_id) if ticket.assignee_id else None
        sla = await sla_of(uow, ticket, sla_panel.evaluated_at(ticket, ctx.clock()))
        alerts = await uow.sla.alerts(ticket.id) if uow.sla is not None else []
        rows = [event_dict(e) for e in events]
        staff_ids = timeline.staff_ids(rows) | {a.acknowledged_by for a in alerts if a.acknowledged_by}
        named = [await uow.directory.get_staff(i) for i in sorted(staff_ids)]
    names = {m.id: m.name for m in named if m is not None}
    photos = [_attachment(a) for a in ticket.attachments]
    files = {c.id: [_attachment(a) for a in c.attachments] for c in comments}
    for c in comments:
        photos.extend(files[c.id])
    return html(
        request,
        "ticket.html",
        ticket=ticket,
        comments=comments,
        events=timeline.entries(rows, texts_of(request), names),
        client=client,
        site=site,
        contact=contact,
        assignee=assignee,
        sla=sla,
        clocks=sla_panel.sla_panel(ticket, sla.state),
        alerts=alerts,
        files=files,
        photos=photos,
        names=names,
        # The site's own zone only where it is not the company's (every time on the page is in the company's).
        site_zone=zone_name(texts_of(request).lang, site.timezone, ctx.clock())
        if site is not None and site.timezone and site.timezone != ctx.rt.settings.company_tz
        else "",
    )
