"""`/api/equipment/units`: the equipment registry for integrations (list with filters, one unit's card)."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from helpdesk.api import serialize
from helpdesk.api.auth import Principal
from helpdesk.api.context import ApiContext
from helpdesk.api.errors import from_domain
from helpdesk.api.fields import query_choice, query_int, query_text
from helpdesk.api.jsonio import json_response
from helpdesk.api.paging import Page
from helpdesk.api.routes import PAGE_PARAMS, RouteTable, path, query
from helpdesk.api.tokens import Scope
from ticket_core.equipment import reliability
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import UnitFilter, UnitStatus
from ticket_core.errors import DomainError
from ticket_core.model import format_ref
from ticket_core.utc import utcnow

ROUTES = RouteTable()
TAG = "Equipment"
STATUSES = [s.value for s in UnitStatus]


@ROUTES.route(
    "GET",
    "/api/equipment/units",
    summary="List equipment units",
    tag=TAG,
    scope=Scope.EQUIPMENT_READ,
    params=(
        query("client_id", "Only this client's units."),
        query("site_id", "Only units at this site."),
        query("type", "Only units of this equipment type."),
        query("status", "Only units in this status.", {"type": "string", "enum": STATUSES}),
        query("q", "Part of the name, model, serial or inventory number."),
        *PAGE_PARAMS,
    ),
    response="UnitPage",
    errors=(400,),
)
async def list_units(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Units by site and name, filtered and paginated."""
    page = Page.from_request(request)
    status = query_choice(request, "status", STATUSES)
    where = UnitFilter(
        client_id=query_text(request, "client_id", max_len=64),
        site_id=query_text(request, "site_id", max_len=64),
        type_id=query_text(request, "type", max_len=32),
        status=UnitStatus(status) if status else None,
        text=query_text(request, "q", max_len=100),
    )
    async with ctx.rt.uows() as uow:
        units, total = await eq.list_units(uow, principal.actor(), where, page.limit, page.offset)
    return json_response(page.envelope([serialize.unit(u) for u in units], total))


@ROUTES.route(
    "GET",
    "/api/equipment/units/{unit_id}",
    summary="Get a unit with its tickets and parts replaced",
    tag=TAG,
    scope=Scope.EQUIPMENT_READ,
    params=(path("unit_id", "The unit's id or sticker code."),),
    response="UnitCard",
    errors=(404,),
)
async def get_unit(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """One unit: its fields, warranty state, ticket history (newest first) and parts replaced."""
    wanted = request.match_info["unit_id"]
    async with ctx.rt.uows() as uow:
        found = await uow.equipment.get_by_code(wanted)
        try:
            card = await eq.unit_card(uow, principal.actor(), found.id if found else wanted)
        except DomainError as error:
            raise from_domain(error) from None
    today = datetime.now(card.unit.updated_at.tzinfo).date()
    body = serialize.unit(card.unit)
    body["warranty"] = eq.warranty_state(card.unit, today)
    body["tickets"] = [
        {
            "ref": format_ref(h.number),
            "status": h.status,
            "category": h.category,
            "created_at": h.created_at,
            "visitor": h.visitor,
        }
        for h in card.history
    ]
    body["parts"] = [
        {"part": p.part, "quantity": p.quantity, "ticket_id": p.ticket_id, "recorded_at": p.recorded_at}
        for p in card.parts
    ]
    return json_response(body)


@ROUTES.route(
    "GET",
    "/api/equipment/report",
    summary="Equipment reliability: failures per unit and type, MTBF, MTTR, repeat faults, top failing models",
    tag=TAG,
    scope=Scope.EQUIPMENT_READ,
    params=(query("days", "The period: this many days up to now (default 90).", {"type": "integer"}),),
    response="ReliabilityReport",
    errors=(400,),
)
async def report(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """The equipment's reliability over the last `days` days."""
    days = query_int(request, "days", 90, low=1, high=reliability.MAX_PERIOD_DAYS)
    until = utcnow()
    async with ctx.rt.uows() as uow:
        try:
            found = await reliability.reliability_report(
                uow, principal.actor(), until - timedelta(days=days), until
            )
        except DomainError as error:
            raise from_domain(error) from None
    return json_response(reliability.as_dict(found))
