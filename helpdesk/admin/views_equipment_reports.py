"""The equipment reliability report page: failures per type and unit, MTBF, MTTR, repeat faults, top models."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user
from helpdesk.admin.pages import html, texts_of
from helpdesk.admin.routes import RouteTable
from ticket_core.equipment import reliability

ROUTES = RouteTable()
PERIODS = (30, 90, 180, 365)


@ROUTES.route("GET", "/reports/equipment", "reports-equipment", Area.REPORTS)
async def equipment_report(request: web.Request) -> web.StreamResponse:
    """The equipment's reliability over the last 30, 90 (default), 180 or 365 days."""
    ctx = admin_context(request)
    try:
        days = int(request.query.get("days", "90"))
    except ValueError:
        days = 90
    if days not in PERIODS:
        days = 90
    until = ctx.clock()
    async with ctx.rt.uows() as uow:
        found = await reliability.reliability_report(
            uow, current_user(request).actor, until - timedelta(days=days), until
        )
        types = await uow.equipment.list_types()
    lang = texts_of(request).lang
    return html(
        request,
        "equipment_report.html",
        report=found,
        days=days,
        periods=PERIODS,
        type_names={t.id: t.name(lang) for t in types},
    )
