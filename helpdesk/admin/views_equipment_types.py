"""Equipment types in the admin: the list, and an editor for a type's names, the ticket category its faults
open (the skill routing matches engineers on), its custom fields and whether a recovery resolves its tickets.

Saving goes through `ticket_core.equipment.usecases.save_type`, which checks the actor and the values and
writes `equipment_type_saved`; this module reads the form and renders.
"""

from __future__ import annotations

import re
from collections import Counter

from aiohttp import web

from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user
from helpdesk.admin.pages import html, redirect, refused
from helpdesk.admin.routes import RouteTable
from ticket_core.enums import Role
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.model import EquipmentType, UnitFilter
from ticket_core.errors import NotFound, ValidationFailed

ROUTES = RouteTable()
_SPLIT = re.compile(r"[\s,;]+")


async def _page(
    request: web.Request,
    editing: EquipmentType | None,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> web.Response:
    ctx = admin_context(request)
    async with ctx.rt.uows() as uow:
        types = await uow.equipment.list_types()
        engineers = await uow.directory.list_staff(Role.ENGINEER)
        units = {t.id: await uow.equipment.count(UnitFilter(type_id=t.id)) for t in types}
    skills: Counter[str] = Counter(skill for e in engineers for skill in e.skills)
    shown = values
    if shown is None:
        shown = (
            {
                "id": editing.id,
                "name_ru": editing.name_ru,
                "name_en": editing.name_en,
                "category": editing.category,
                "fields": "\n".join(editing.fields),
                "resolve_on_recovery": "on" if editing.resolve_on_recovery else "",
            }
            if editing
            else {}
        )
    return html(
        request,
        "equipment_types.html",
        status=status,
        types=types,
        units=units,
        skills=skills,
        categories=sorted(set(skills) | {t.category for t in types}),
        editing=editing,
        values=shown,
        error=error,
    )


@ROUTES.route("GET", "/equipment/types", "equipment-types", Area.EQUIPMENT)
async def types_page(request: web.Request) -> web.StreamResponse:
    """Every type with its category, custom fields and units, and an empty form for a new one."""
    return await _page(request, None)


@ROUTES.route("GET", "/equipment/types/{type_id}", "equipment-type", Area.EQUIPMENT)
async def type_page(request: web.Request) -> web.StreamResponse:
    """The list with one type's values in the form."""
    ctx = admin_context(request)
    async with ctx.rt.uows() as uow:
        found = await uow.equipment.get_type(request.match_info["type_id"])
    if found is None:
        raise NotFound("No such equipment type: pick one from the list of types.")
    return await _page(request, found)


@ROUTES.route("POST", "/equipment/types", "equipment-type-save", Area.EQUIPMENT)
async def type_save(request: web.Request) -> web.StreamResponse:
    """Create or change a type; a bad value shows the form again with what to fix."""
    ctx = admin_context(request)
    form = await request.post()
    values = {
        k: str(form.get(k, "") or "").strip()
        for k in ("id", "name_ru", "name_en", "category", "fields", "resolve_on_recovery", "existing")
    }
    saved = EquipmentType(
        id=values["id"].lower(),
        name_ru=values["name_ru"][:200],
        name_en=values["name_en"][:200],
        category=values["category"].lower()[:64],
        fields=tuple(f for f in _SPLIT.split(values["fields"].lower()) if f),
        resolve_on_recovery=bool(values["resolve_on_recovery"]),
    )
    async with ctx.rt.uows() as uow:
        existing = await uow.equipment.get_type(saved.id)
        try:
            if existing is not None and values["existing"] != saved.id:
                raise ValidationFailed(
                    f"There is already a type {saved.id!r}: open it from the list to change it, "
                    "or choose another id."
                )
            await eq.save_type(uow, current_user(request).actor, saved, ctx.clock())
        except ValidationFailed as error:
            failed = refused(request, error)  # in the reader's language
        else:
            await uow.commit()
            raise redirect(f"/admin/equipment/types/{saved.id}?done=saved")
    return await _page(request, existing, values=values, error=failed, status=400)
