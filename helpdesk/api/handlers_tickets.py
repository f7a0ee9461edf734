"""`/api/tickets/...`: list and read tickets, open one, comment on one, cancel one.

Changes run through the ticket_core use cases inside `engine.run_system`, so routing, notifications, SLA
timers and the outbox happen exactly as for a change made in chat. The integration acts as a supervisor
named "api:<token name>" (see `Principal.actor`); each change also gets an API audit entry and queues the
webhook deliveries it causes, all in the same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from aiohttp import web

from helpdesk.api import audit, serialize
from helpdesk.api.auth import Principal
from helpdesk.api.context import ApiContext
from helpdesk.api.errors import bad_request, invalid
from helpdesk.api.fields import number_field, query_text, read_object, text_field
from helpdesk.api.jsonio import json_response
from helpdesk.api.paging import Page
from helpdesk.api.routes import PAGE_PARAMS, RouteTable, path, query
from helpdesk.api.tokens import Scope
from storage.uow import SqlUnitOfWork
from ticket_core import usecases as uc
from ticket_core.enums import Priority, TicketStatus, Visibility
from ticket_core.lists import TicketFilter
from ticket_core.model import Comment, Ticket, format_ref
from ticket_core.usecases.comments import MAX_COMMENT
from ticket_core.usecases.opening import MAX_DESCRIPTION

ROUTES = RouteTable()
TAG = "Tickets"
T = TypeVar("T")
NUMBER = path("number", "Ticket number, e.g. 1042 (HD-1042 is accepted too).")
STATUSES = [s.value for s in TicketStatus]
PRIORITIES = [p.value for p in Priority]
OPEN_FIELDS = (
    "client_id",
    "category",
    "description",
    "priority",
    "contact_id",
    "site_id",
    "address",
    "lat",
    "lon",
)


def _number(request: web.Request) -> int:
    raw = request.match_info["number"].strip().upper().removeprefix("HD-")
    # isascii: "²" and other Unicode digits pass isdigit() but not int().
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise bad_request(
            f"{request.match_info['number']!r} is not a ticket number; use e.g. 1042.", "number"
        )
    return int(raw)


async def _change(
    ctx: ApiContext,
    request: web.Request,
    principal: Principal,
    action: str,
    target: Callable[[T], str],
    work: Callable[[SqlUnitOfWork, datetime], Awaitable[T]],
) -> T:
    """Run a use case through the engine (its events on the bus, webhooks included, and the outbox), audited."""
    results: list[T] = []

    async def system_work(uow: SqlUnitOfWork, now: datetime) -> None:
        result = await work(uow, now)
        results.append(result)
        await audit.record(uow, principal, request, now, action, target(result))

    await ctx.rt.engine.run_system(system_work)
    ctx.wake_delivery()
    return results[0]


@ROUTES.route(
    "GET",
    "/api/tickets",
    summary="List tickets",
    tag=TAG,
    scope=Scope.TICKETS_READ,
    params=(
        query("status", "Only these statuses (comma-separated), e.g. new,offered.", {"type": "string"}),
        query("client_id", "Only this client's tickets."),
        query("site_id", "Only tickets at this site."),
        query("assignee_id", "Only jobs of this engineer."),
        query("priority", "Only this priority.", {"type": "string", "enum": PRIORITIES}),
        *PAGE_PARAMS,
    ),
    response="TicketPage",
    errors=(400,),
)
async def list_tickets_handler(
    ctx: ApiContext, request: web.Request, principal: Principal
) -> web.StreamResponse:
    """Tickets newest first, filtered and paginated."""
    statuses: list[TicketStatus] = []
    for raw in (request.query.get("status") or "").split(","):
        name = raw.strip().lower()
        if not name:
            continue
        if name not in STATUSES:
            raise bad_request(f"Unknown status {name!r}; use some of {', '.join(STATUSES)}.", "status")
        statuses.append(TicketStatus(name))
    priority_raw = (request.query.get("priority") or "").strip().upper()
    if priority_raw and priority_raw not in PRIORITIES:
        raise bad_request(
            f"Unknown priority {priority_raw!r}; use one of {', '.join(PRIORITIES)}.", "priority"
        )
    where = TicketFilter(
        statuses=tuple(statuses),
        client_id=query_text(request, "client_id", max_len=64),
        site_id=query_text(request, "site_id", max_len=64),
        assignee_id=query_text(request, "assignee_id", max_len=64),
        priority=Priority(priority_raw) if priority_raw else None,
    )
    page = Page.from_request(request)
    async with ctx.rt.uows() as uow:
        items, total = await uow.ticket_lists.page(where, limit=page.limit, offset=page.offset)
    return json_response(page.envelope([serialize.ticket(t) for t in items], total))


@ROUTES.route(
    "GET",
    "/api/tickets/{number}",
    summary="Get a ticket with its comments and audit events",
    tag=TAG,
    scope=Scope.TICKETS_READ,
    params=(NUMBER,),
    response="TicketDetail",
    errors=(400, 404),
)
async def get_ticket(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """The ticket, every comment (internal ones too) and the audit events, oldest first."""
    number = _number(request)
    async with ctx.rt.uows() as uow:
        ticket = await uc.get_ticket_by_number(uow, principal.actor(), number)
        comments = await uow.comments.list_for_ticket(ticket.id, True)
        events = await uow.events.list_for_ticket(ticket.id)
    body = serialize.ticket(ticket)
    body["comments"] = [serialize.comment(c) for c in comments]
    body["events"] = [serialize.event(e) for e in events]
    return json_response(body)


@ROUTES.route(
    "POST",
    "/api/tickets",
    summary="Open a ticket",
    tag=TAG,
    scope=Scope.TICKETS_WRITE,
    body="TicketCreate",
    ok=201,
    response="Ticket",
    errors=(400, 422),
)
async def open_ticket(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Open a ticket for a client; it is routed to engineers at once, like one opened in chat."""
    data = await read_object(request, OPEN_FIELDS)
    client_id = text_field(data, "client_id", required=True, max_len=64) or ""
    category = text_field(data, "category", required=True, max_len=64) or ""
    description = text_field(data, "description", required=True, max_len=MAX_DESCRIPTION) or ""
    priority = data.get("priority", Priority.P3.value)
    if priority not in PRIORITIES:
        raise invalid(f"'priority' must be one of {', '.join(PRIORITIES)}.", "priority")
    contact_id = text_field(data, "contact_id", max_len=64)
    site_id = text_field(data, "site_id", max_len=64)
    address = text_field(data, "address", max_len=500)
    lat = number_field(data, "lat", low=-90, high=90)
    lon = number_field(data, "lon", low=-180, high=180)
    if (lat is None) != (lon is None):
        raise invalid("Give both 'lat' and 'lon', or neither.", "lat" if lat is None else "lon")
    draft = uc.TicketDraft(
        client_id=client_id,
        category=category,
        description=description,
        priority=Priority(priority),
        contact_id=contact_id,
        site_id=site_id,
        address=address,
        lat=lat,
        lon=lon,
        source_channel="api",
    )

    async def work(uow: SqlUnitOfWork, now: datetime) -> Ticket:
        if await uow.directory.get_client(client_id) is None:
            raise invalid(f"No client {client_id!r}; see GET /api/clients.", "client_id")
        if contact_id is not None:
            contact = await uow.directory.get_contact(contact_id)
            if contact is None or contact.client_id != client_id:
                raise invalid(f"{contact_id!r} is not a contact of client {client_id!r}.", "contact_id")
        if site_id is not None:
            site = await uow.directory.get_site(site_id)
            if site is None or site.client_id != client_id:
                raise invalid(
                    f"{site_id!r} is not a site of client {client_id!r}; see GET /api/clients.", "site_id"
                )
        return await uc.open_ticket(uow, principal.actor(), draft, now)

    ticket = await _change(ctx, request, principal, "ticket.open", lambda t: t.ref, work)
    return json_response(serialize.ticket(ticket), status=201)


@ROUTES.route(
    "POST",
    "/api/tickets/{number}/comments",
    summary="Comment on a ticket",
    tag=TAG,
    scope=Scope.TICKETS_WRITE,
    params=(NUMBER,),
    body="CommentCreate",
    ok=201,
    response="Comment",
    errors=(400, 404, 409, 422),
)
async def add_comment(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Add a comment; a public one reaches the client in chat, an internal one stays with the staff."""
    number = _number(request)
    data = await read_object(request, ("text", "visibility"))
    text = text_field(data, "text", required=True, max_len=MAX_COMMENT) or ""
    visibility = data.get("visibility", Visibility.PUBLIC.value)
    if visibility not in [v.value for v in Visibility]:
        raise invalid("'visibility' must be public or internal.", "visibility")

    async def work(uow: SqlUnitOfWork, now: datetime) -> Comment:
        ticket = await uc.get_ticket_by_number(uow, principal.actor(), number)
        return await uc.add_comment(uow, principal.actor(), ticket.id, now, text, Visibility(visibility))

    comment = await _change(ctx, request, principal, "ticket.comment", lambda _c: format_ref(number), work)
    return json_response(serialize.comment(comment), status=201)


@ROUTES.route(
    "POST",
    "/api/tickets/{number}/cancel",
    summary="Cancel a ticket",
    tag=TAG,
    scope=Scope.TICKETS_WRITE,
    params=(NUMBER,),
    body="TicketCancel",
    response="Ticket",
    errors=(400, 404, 409, 422),
)
async def cancel_ticket(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Cancel a ticket that is still open; the client and the engineer are told in chat."""
    number = _number(request)
    reason = None
    if request.can_read_body:
        data = await read_object(request, ("reason",))
        reason = text_field(data, "reason", max_len=500)

    async def work(uow: SqlUnitOfWork, now: datetime) -> Ticket:
        ticket = await uc.get_ticket_by_number(uow, principal.actor(), number)
        return await uc.cancel_ticket(uow, principal.actor(), ticket.id, now, reason)

    ticket = await _change(ctx, request, principal, "ticket.cancel", lambda t: t.ref, work)
    return json_response(serialize.ticket(ticket))
