"""`/api/engineers` and `/api/clients`: the reference data integrations need to open and route tickets."""

from __future__ import annotations

from aiohttp import web

from helpdesk.api import serialize
from helpdesk.api.auth import Principal
from helpdesk.api.context import ApiContext
from helpdesk.api.errors import not_found
from helpdesk.api.jsonio import json_response
from helpdesk.api.paging import Page
from helpdesk.api.routes import PAGE_PARAMS, RouteTable, path
from helpdesk.api.tokens import Scope
from ticket_core.enums import Role

ROUTES = RouteTable()
TAG = "Directory"


@ROUTES.route(
    "GET",
    "/api/engineers",
    summary="List engineers",
    tag=TAG,
    scope=Scope.DIRECTORY_READ,
    response="EngineerList",
)
async def list_engineers(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Every engineer with skills, level, shift and the number of active jobs."""
    async with ctx.rt.uows() as uow:
        members = await uow.directory.list_staff(Role.ENGINEER)
        load = await uow.tickets.count_active_by_assignee()
    return json_response({"items": [serialize.engineer(m, load.get(m.id, 0)) for m in members]})


@ROUTES.route(
    "GET",
    "/api/clients",
    summary="List clients with sites and contract",
    tag=TAG,
    scope=Scope.DIRECTORY_READ,
    params=PAGE_PARAMS,
    response="ClientPage",
    errors=(400,),
)
async def list_clients_handler(
    ctx: ApiContext, request: web.Request, principal: Principal
) -> web.StreamResponse:
    """Clients by id, each with its sites and active contract, paginated."""
    page = Page.from_request(request)
    async with ctx.rt.uows() as uow:
        clients, total = await uow.directory_lists.clients_page(limit=page.limit, offset=page.offset)
        items = [
            serialize.client(c, await uow.directory.list_sites(c.id), await uow.directory.get_contract(c.id))
            for c in clients
        ]
    return json_response(page.envelope(items, total))


@ROUTES.route(
    "GET",
    "/api/clients/{client_id}",
    summary="Get a client with sites and contract",
    tag=TAG,
    scope=Scope.DIRECTORY_READ,
    params=(path("client_id", "Client id, e.g. acme."),),
    response="Client",
    errors=(404,),
)
async def get_client(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """One client with its sites and active contract."""
    client_id = request.match_info["client_id"]
    async with ctx.rt.uows() as uow:
        client = await uow.directory.get_client(client_id)
        if client is None:
            raise not_found(f"No client {client_id!r}; list them with GET /api/clients.")
        body = serialize.client(
            client, await uow.directory.list_sites(client_id), await uow.directory.get_contract(client_id)
        )
    return json_response(body)
