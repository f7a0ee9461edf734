"""Writing the equipment registry over the API (scope `equipment:write`): create, change and retire units.

A body names a unit's values as the CSV import does (`site`, `type`, `name`, `model`, ..., dates as YYYY-MM-DD,
`photos` as a list of links) with its custom fields in `fields`; the registry's use cases check them with the
very code that checks an import line (`ticket_core.equipment.editing`), so the API refuses what an import
would, in the same words. Every change leaves the registry's audit event and an API audit entry.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from helpdesk.api import audit, serialize
from helpdesk.api.auth import Principal
from helpdesk.api.context import ApiContext
from helpdesk.api.errors import from_domain, invalid
from helpdesk.api.fields import read_object
from helpdesk.api.jsonio import json_response
from helpdesk.api.routes import RouteTable, path
from helpdesk.api.tokens import Scope
from storage.uow import SqlUnitOfWork
from ticket_core.equipment import csv_io, editing
from ticket_core.equipment.model import Unit
from ticket_core.errors import DomainError
from ticket_core.utc import utcnow

ROUTES = RouteTable()
TAG = "Equipment"
COLUMNS = tuple(c for c in csv_io.REQUIRED + csv_io.OPTIONAL if c not in ("id", "code", "photos"))
FIELDS = (*COLUMNS, "photos", "fields")
UNIT_PATH = path("unit_id", "The unit's id or sticker code.")


def _values(data: dict[str, Any]) -> dict[str, str]:
    """A JSON body as the column -> text mapping the use case takes; a wrong JSON type is a 422 naming it."""
    values: dict[str, str] = {}
    for name in COLUMNS:
        if name not in data or data[name] is None:
            continue
        if not isinstance(data[name], str):
            raise invalid(f"{name!r} must be a string.", name)
        values[name] = data[name]
    photos = data.get("photos")
    if photos is not None:
        if not isinstance(photos, list) or not all(isinstance(p, str) and " " not in p for p in photos):
            raise invalid("'photos' must be a list of links.", "photos")
        values["photos"] = " ".join(photos)
    custom = data.get("fields")
    if custom is not None:
        if not isinstance(custom, dict) or not all(isinstance(v, str | None) for v in custom.values()):
            raise invalid('\'fields\' must be an object of strings, e.g. {"refrigerant": "R32"}.', "fields")
        values.update({csv_io.FIELD_PREFIX + k: v or "" for k, v in custom.items()})
    return values


async def _unit_id(uow: SqlUnitOfWork, wanted: str) -> str:
    found = await uow.equipment.get_by_code(wanted)
    return found.id if found is not None else wanted


async def _save(
    ctx: ApiContext, request: web.Request, principal: Principal, action: str, unit_ref: str | None
) -> Unit:
    data = await read_object(request, FIELDS)
    changes = _values(data)
    now = utcnow()
    async with ctx.rt.uows() as uow:
        try:
            if unit_ref is None:
                unit = await editing.save_unit(uow, principal.actor(), changes, now)
            else:
                unit_id = await _unit_id(uow, unit_ref)
                current = await uow.equipment.get(unit_id)
                merged = {**editing.unit_values(current), **changes} if current is not None else changes
                if "type" in changes and current is not None and changes["type"] != current.type_id:
                    # Another type has other custom fields: keep only those the body gives.
                    merged = {k: v for k, v in merged.items() if not k.startswith(csv_io.FIELD_PREFIX)}
                    merged.update({k: v for k, v in changes.items() if k.startswith(csv_io.FIELD_PREFIX)})
                unit = await editing.save_unit(uow, principal.actor(), merged, now, unit_id)
        except DomainError as error:
            raise from_domain(error) from None
        await audit.record(uow, principal, request, now, action, unit.id)
        await uow.commit()
    return unit


@ROUTES.route(
    "POST",
    "/api/equipment/units",
    summary="Register a unit",
    tag=TAG,
    scope=Scope.EQUIPMENT_WRITE,
    body="UnitWrite",
    ok=201,
    response="Unit",
    errors=(400, 422),
)
async def create_unit(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Register a unit at a site; it gets its sticker code. `site`, `type` and `name` are required."""
    unit = await _save(ctx, request, principal, "unit.create", None)
    return json_response(serialize.unit(unit), status=201)


@ROUTES.route(
    "PATCH",
    "/api/equipment/units/{unit_id}",
    summary="Change a unit",
    tag=TAG,
    scope=Scope.EQUIPMENT_WRITE,
    params=(UNIT_PATH,),
    body="UnitWrite",
    response="Unit",
    errors=(400, 404, 422),
)
async def change_unit(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Change the values the body gives (an empty string clears one); the others stay."""
    unit = await _save(ctx, request, principal, "unit.update", request.match_info["unit_id"])
    return json_response(serialize.unit(unit))


@ROUTES.route(
    "POST",
    "/api/equipment/units/{unit_id}/retire",
    summary="Retire a unit",
    tag=TAG,
    scope=Scope.EQUIPMENT_WRITE,
    params=(UNIT_PATH,),
    response="Unit",
    errors=(404,),
)
async def retire_unit(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Retire a unit: its history and code stay; no stickers are printed and a scan of it is refused."""
    now = utcnow()
    async with ctx.rt.uows() as uow:
        try:
            unit = await editing.retire_unit(
                uow, principal.actor(), await _unit_id(uow, request.match_info["unit_id"]), now
            )
        except DomainError as error:
            raise from_domain(error) from None
        await audit.record(uow, principal, request, now, "unit.retire", unit.id)
        await uow.commit()
    return json_response(serialize.unit(unit))
