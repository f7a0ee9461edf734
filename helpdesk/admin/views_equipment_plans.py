"""Maintenance plans on a unit's card: create one for the unit (or every unit of its type at its site) and edit
the plans that service it, through `ticket_core.equipment.plans.save_unit_plan` (checked, audited)."""

from __future__ import annotations

from aiohttp import web

from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user
from helpdesk.admin.pages import redirect, refused
from helpdesk.admin.routes import RouteTable
from helpdesk.admin.views_equipment import unit_page_with
from ticket_core.equipment.plans import PlanInput, save_unit_plan
from ticket_core.errors import ValidationFailed

ROUTES = RouteTable()


def plan_input(form: object) -> PlanInput:
    """The plan a submitted form describes (checklist: one step a line)."""

    def text(key: str) -> str:
        value = form.get(key, "")  # type: ignore[attr-defined]
        return str(value or "").strip()

    return PlanInput(
        schedule=text("schedule"),
        description=text("description"),
        checklist=tuple(text("checklist").splitlines()),
        priority=text("priority") or "P4",
        lead_days=text("lead_days") or "1",
        active=bool(text("active")),
        every_of_type=text("target") == "type",
    )


async def _save(request: web.Request, plan_id: str | None) -> web.StreamResponse:
    ctx = admin_context(request)
    unit_id = request.match_info["unit_id"]
    form = await request.post()
    given = plan_input(form)
    async with ctx.rt.uows() as uow:
        try:
            await save_unit_plan(uow, current_user(request).actor, unit_id, given, ctx.clock(), plan_id)
        except ValidationFailed as error:
            failed = refused(request, error)  # in the reader's language
        else:
            await uow.commit()
            raise redirect(f"/admin/equipment/units/{unit_id}?done=saved#unit-plans")
    return await unit_page_with(request, unit_id, plan_error=(plan_id or "new", failed, given))


@ROUTES.route("POST", "/equipment/units/{unit_id}/plans", "equipment-plan-new", Area.EQUIPMENT)
async def plan_create(request: web.Request) -> web.StreamResponse:
    """A new maintenance plan for the unit, or for every unit of its type at its site."""
    return await _save(request, None)


@ROUTES.route("POST", "/equipment/units/{unit_id}/plans/{plan_id}", "equipment-plan-save", Area.EQUIPMENT)
async def plan_save(request: web.Request) -> web.StreamResponse:
    """Change a plan that services the unit."""
    return await _save(request, request.match_info["plan_id"])
