"""Equipment registry pages: the list with filters, a unit's card (history, parts, edit, retire), a new unit,
CSV import (every bad line named) and export, and the sticker PDF of a site.

Every change goes through the registry's use cases (`ticket_core.equipment`), which check the actor and write
the audit events; this module only reads forms and renders.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from helpdesk.admin import pickers
from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user
from helpdesk.admin.i18n import _
from helpdesk.admin.pages import html, redirect, refused, texts_of
from helpdesk.admin.routes import RouteTable
from helpdesk.admin.views_equipment_photos import shown_at
from helpdesk.stickers import Sticker, links_from_settings, sticker_pdf
from storage.uow import SqlUnitOfWork
from ticket_core.enums import Priority
from ticket_core.equipment import csv_io, editing
from ticket_core.equipment import usecases as eq
from ticket_core.equipment.history import repeat_of
from ticket_core.equipment.model import EquipmentType, Unit, UnitFilter, UnitStatus
from ticket_core.equipment.plans import PlanInput, plans_of_unit
from ticket_core.errors import ValidationFailed
from ticket_core.maintenance import MaintenancePlan

ROUTES = RouteTable()
PAGE_SIZE = 50
MAX_IMPORT_BYTES = 15 * 1024 * 1024
# The form edits what a CSV line holds, but not the id and sticker code the registry gives a unit.
FORM_COLUMNS = (*csv_io.REQUIRED, *(c for c in csv_io.OPTIONAL if c not in ("id", "code")))
STATUSES = {
    "in_service": _("in service"),
    "under_repair": _("under repair"),
    "retired": _("retired"),
}


def _filters(request: web.Request) -> dict[str, str]:
    return {k: request.query.get(k, "").strip() for k in ("client", "site", "type", "status", "q")}


async def _where(
    uow: SqlUnitOfWork, typed: dict[str, str], errors: list[str], request: web.Request
) -> tuple[UnitFilter, list[pickers.Choice], list[pickers.Choice]]:
    """The filter the typed values name (client and site by name or id), and the choices the form offers."""
    tr = texts_of(request)
    client, site, clients, sites = await pickers.pick_client_and_site(
        uow.directory_lists, typed["client"], typed["site"], errors, tr
    )
    status: UnitStatus | None = None
    if typed["status"]:
        try:
            status = UnitStatus(typed["status"])
        except ValueError:
            errors.append(tr(_("Pick a status from the list.")))
    where = UnitFilter(
        client_id=client.id if client else None,
        site_id=site.id if site else None,
        type_id=typed["type"] or None,
        status=status,
        text=typed["q"][:100] or None,
    )
    return where, clients, sites


async def _list_page(
    request: web.Request, *, status: int = 200, import_errors: list[str] | None = None, import_note: str = ""
) -> web.Response:
    ctx = admin_context(request)
    typed = _filters(request)
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    errors: list[str] = []
    actor = current_user(request).actor
    async with ctx.rt.uows() as uow:
        where, clients, sites = await _where(uow, typed, errors, request)
        units, total = await eq.list_units(uow, actor, where, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        types = await uow.equipment.list_types()
        site_names = {s.id: s.name for s in await uow.directory_lists.site_choices()}
    pages = max(1, -(-total // PAGE_SIZE))
    query = {k: v for k, v in typed.items() if v}
    return html(
        request,
        "equipment.html",
        status=status,
        units=units,
        total=total,
        typed=typed,
        where=where,
        errors=errors,
        clients=clients,
        sites=sites,
        site_names=site_names,
        types=types,
        type_names={t.id: t.name(texts_of(request).lang) for t in types},
        statuses=STATUSES,
        today=ctx.clock().date(),
        page=page,
        pages=pages,
        export_url="/admin/equipment/export.csv" + (f"?{urlencode(query)}" if query else ""),
        stickers_url=(
            "/admin/equipment/stickers.pdf?" + urlencode({"site": where.site_id, "type": where.type_id or ""})
            if where.site_id
            else ""
        ),
        prev_url=f"/admin/equipment?{urlencode({**query, 'page': page - 1})}" if page > 1 else "",
        next_url=f"/admin/equipment?{urlencode({**query, 'page': page + 1})}" if page < pages else "",
        import_errors=import_errors or [],
        import_note=import_note,
    )


@ROUTES.route("GET", "/equipment", "equipment", Area.EQUIPMENT)
async def equipment_list(request: web.Request) -> web.StreamResponse:
    """Units filtered by client, site, type, status and text, 50 a page, with import, export and stickers."""
    return await _list_page(request)


@ROUTES.route("POST", "/equipment/import", "equipment-upload", Area.EQUIPMENT)
async def equipment_import(request: web.Request) -> web.StreamResponse:
    """Import an uploaded CSV file: all of it, or nothing and every bad line named on the list page."""
    ctx = admin_context(request)
    tr = texts_of(request)
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        return await _list_page(request, status=400, import_errors=[tr(_("Choose a CSV file to import."))])
    raw = upload.file.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        return await _list_page(
            request, status=400, import_errors=[tr(_("The file is over 15 MB: import it in parts."))]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return await _list_page(
            request, status=400, import_errors=[tr(_("The file is not UTF-8 text: save it as CSV UTF-8."))]
        )
    try:
        async with ctx.rt.uows() as uow:
            result = await eq.import_units(uow, current_user(request).actor, text, ctx.clock())
            await uow.commit()
    except eq.ImportRejected as rejected:
        lines = [
            tr(
                _("line {line}: {problem}"),
                line=e.line,
                problem=" ".join(refused(request, p) for p in e.problems),
            )
            for e in rejected.errors[: eq.MAX_ERRORS_SHOWN]
        ]
        head = tr(
            _("Nothing was imported: {n} bad line(s). Fix them and import the file again."),
            n=len(rejected.errors),
        )
        return await _list_page(request, status=400, import_errors=[head, *lines])
    note = tr(
        _("Imported: {created} new, {updated} updated."), created=result.created, updated=result.updated
    )
    return await _list_page(request, import_note=note)


@ROUTES.route("GET", "/equipment/export.csv", "equipment-export", Area.EQUIPMENT)
async def equipment_export(request: web.Request) -> web.StreamResponse:
    """The units the list's filters show, as a CSV file that imports back."""
    ctx = admin_context(request)
    errors: list[str] = []
    async with ctx.rt.uows() as uow:
        where, _clients, _sites = await _where(uow, _filters(request), errors, request)
        if errors:
            raise ValidationFailed(" ".join(errors))
        text = await eq.export_units(uow, current_user(request).actor, where)
    return web.Response(
        body=("\ufeff" + text).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="equipment.csv"'},
    )


@ROUTES.route("GET", "/equipment/stickers.pdf", "equipment-stickers", Area.EQUIPMENT)
async def equipment_stickers(request: web.Request) -> web.StreamResponse:
    """A4 sheets of QR stickers for a site's units in service (of one type when given)."""
    ctx = admin_context(request)
    site_id = request.query.get("site", "").strip()
    type_id = request.query.get("type", "").strip() or None
    if not site_id:
        raise ValidationFailed(_("Pick a site first: stickers are printed a site at a time."))
    async with ctx.rt.uows() as uow:
        if await uow.directory.get_site(site_id) is None:
            raise ValidationFailed(_("No site '{site_id}': pick one from the list."), site_id=site_id)
        found = await eq.sticker_units(
            uow, current_user(request).actor, UnitFilter(site_id=site_id, type_id=type_id)
        )
    settings = ctx.rt.settings
    stickers = [Sticker(u, t, s) for u, t, s in found]
    try:
        # About 20 ms a label of CPU: off the event loop, so other requests keep being served.
        pdf = await asyncio.to_thread(
            sticker_pdf, stickers, links_from_settings(settings), settings.support_contacts
        )
    except ValueError as error:
        raise ValidationFailed(str(error)) from None
    return web.Response(
        body=pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="stickers-{site_id}.pdf"'},
    )


def _form_values(form: Any, equipment_type: EquipmentType | None) -> dict[str, str]:
    values = {k: str(form.get(k, "") or "") for k in FORM_COLUMNS}
    for name in equipment_type.fields if equipment_type else ():
        key = csv_io.FIELD_PREFIX + name
        values[key] = str(form.get(key, "") or "")
    return values


async def _unit_page(
    request: web.Request,
    unit_id: str | None,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status: int = 200,
    plan_error: tuple[str, str, PlanInput] | None = None,
) -> web.Response:
    ctx = admin_context(request)
    actor = current_user(request).actor
    card: eq.UnitCard | None = None
    plans: list[MaintenancePlan] = []
    async with ctx.rt.uows() as uow:
        if unit_id is not None:
            card = await eq.unit_card(uow, actor, unit_id)
            plans = await plans_of_unit(uow, actor, unit_id)
        types = await uow.equipment.list_types()
        sites = await uow.directory_lists.site_choices()
    unit: Unit | None = card.unit if card else None
    shown = (
        values if values is not None else (editing.unit_values(unit) if unit else {"status": "in_service"})
    )
    chosen = next((t for t in types if t.id == shown.get("type")), None)
    today: date = ctx.clock().date()
    repeats = {}
    if card is not None:
        repeats = {h.ticket_id: repeat_of(card.history, h.ticket_id, h.created_at) for h in card.history}
    links = links_from_settings(ctx.rt.settings).all(unit.code) if unit else {}
    return html(
        request,
        "equipment_unit.html",
        status=status,
        card=card,
        unit=unit,
        values=shown,
        error=error,
        types=types,
        chosen_type=chosen,
        sites=sites,
        statuses=STATUSES,
        warranty=eq.warranty_state(unit, today) if unit else "unknown",
        repeats=repeats,
        links=links,
        field_prefix=csv_io.FIELD_PREFIX,
        lang=texts_of(request).lang,
        photo_src=shown_at,
        plans=plans,
        plan_error=plan_error,
        priorities=[p.value for p in Priority],
    )


async def unit_page_with(
    request: web.Request, unit_id: str, *, plan_error: tuple[str, str, PlanInput]
) -> web.Response:
    """The unit's card with a plan form shown again: (plan id or "new", what is wrong, what was typed)."""
    return await _unit_page(request, unit_id, plan_error=plan_error, status=400)


@ROUTES.route("GET", "/equipment/new", "equipment-new", Area.EQUIPMENT)
async def unit_new(request: web.Request) -> web.StreamResponse:
    """An empty unit form (the type's custom fields appear once a type is chosen and saved)."""
    return await _unit_page(request, None)


@ROUTES.route("POST", "/equipment/new", "equipment-new-post", Area.EQUIPMENT)
async def unit_create(request: web.Request) -> web.StreamResponse:
    """Create a unit; a bad value shows the form again with what to fix."""
    return await _save(request, None)


@ROUTES.route("GET", "/equipment/units/{unit_id}", "equipment-unit", Area.EQUIPMENT)
async def unit_page(request: web.Request) -> web.StreamResponse:
    """A unit: its details and sticker links, tickets on it (repeat faults marked), parts replaced, edit form."""
    return await _unit_page(request, request.match_info["unit_id"])


@ROUTES.route("POST", "/equipment/units/{unit_id}", "equipment-unit-post", Area.EQUIPMENT)
async def unit_save(request: web.Request) -> web.StreamResponse:
    """Save a unit's edited values."""
    return await _save(request, request.match_info["unit_id"])


@ROUTES.route("POST", "/equipment/units/{unit_id}/retire", "equipment-unit-retire", Area.EQUIPMENT)
async def unit_retire(request: web.Request) -> web.StreamResponse:
    """Retire a unit (history kept; no stickers, scans refused)."""
    ctx = admin_context(request)
    unit_id = request.match_info["unit_id"]
    async with ctx.rt.uows() as uow:
        await editing.retire_unit(uow, current_user(request).actor, unit_id, ctx.clock())
        await uow.commit()
    raise redirect(f"/admin/equipment/units/{unit_id}?done=retired")


async def _save(request: web.Request, unit_id: str | None) -> web.StreamResponse:
    ctx = admin_context(request)
    form = await request.post()
    async with ctx.rt.uows() as uow:
        equipment_type = await uow.equipment.get_type(str(form.get("type", "")))
        values = _form_values(form, equipment_type)
        try:
            unit = await editing.save_unit(uow, current_user(request).actor, values, ctx.clock(), unit_id)
        except ValidationFailed as error:
            failed = str(error)
        else:
            await uow.commit()
            raise redirect(f"/admin/equipment/units/{unit.id}?done=saved")
    return await _unit_page(request, unit_id, values=values, error=failed, status=400)
