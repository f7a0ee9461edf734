"""One engineer's profile: an edit form for admins (skills, level, regions, time zone, working hours, job
limit, home, language, phone) and the same profile read-only for supervisors."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from dialogue.texts import CATEGORIES
from helpdesk.admin import usecases
from helpdesk.admin.access import Area, may
from helpdesk.admin.context import admin_context, current_user
from helpdesk.admin.i18n import _
from helpdesk.admin.pages import html, redirect, refused, texts_of
from helpdesk.admin.profile_view import form_values, hours_now, hours_text, vocabulary
from helpdesk.admin.routes import RouteTable
from ticket_core.enums import Role
from ticket_core.errors import NotFound, ValidationFailed
from ticket_core.model import MAX_LEVEL, StaffMember
from ticket_core.staff_profile import (
    COMMON_TIMEZONES,
    LANGS,
    MAX_PARALLEL_JOBS,
    PROFILE_FIELDS,
    ProfileInvalid,
)

ROUTES = RouteTable()


async def _engineer_and_terms(request: web.Request) -> tuple[StaffMember, list[str], list[str]]:
    """The engineer of the URL and the skills and regions to suggest (those in use anywhere)."""
    staff_id = request.match_info["staff_id"]
    async with admin_context(request).rt.uows() as uow:
        member = await uow.directory.get_staff(staff_id)
        if member is None or member.role is not Role.ENGINEER:
            raise NotFound(
                _("No engineer '{staff_id}'; pick one from the engineers list."), staff_id=staff_id
            )
        staff = await uow.directory.list_staff(Role.ENGINEER)
        categories, regions = await uow.directory_lists.categories_and_regions()
    skills = vocabulary(CATEGORIES, categories, *(m.skills for m in staff))
    return member, skills, vocabulary(regions, *(m.regions for m in staff))


def _page(
    request: web.Request,
    member: StaffMember,
    skills: list[str],
    regions: list[str],
    *,
    posted: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> web.Response:
    now = admin_context(request).clock()
    return html(
        request,
        "engineer.html",
        status=status,
        m=member,
        values=form_values(member, posted),
        errors=dict(errors or {}),
        error=error,
        editable=may(current_user(request).member.role, Area.STAFF_PROFILE),
        hours=hours_text(member.working_hours, texts_of(request)),
        now=hours_now(member, now, texts_of(request)),
        known_skills=skills,
        known_regions=regions,
        zones=COMMON_TIMEZONES,
        langs=LANGS,
        levels=[str(n) for n in range(1, MAX_LEVEL + 1)],
        max_jobs=MAX_PARALLEL_JOBS,
    )


@ROUTES.route("GET", "/engineers/{staff_id}", "engineer", Area.STAFF_READ)
async def engineer(request: web.Request) -> web.StreamResponse:
    """An engineer's profile: the edit form for admins, a read-only view for supervisors."""
    member, skills, regions = await _engineer_and_terms(request)
    return _page(request, member, skills, regions)


@ROUTES.route("POST", "/engineers/{staff_id}", "engineer-post", Area.STAFF_PROFILE)
async def engineer_post(request: web.Request) -> web.StreamResponse:
    """Save the profile; bad fields come back with a message next to each, and nothing is saved."""
    ctx = admin_context(request)
    member, skills, regions = await _engineer_and_terms(request)
    form = await request.post()
    # Only the fields sent are changed; each is checked whole (the validators bound every length).
    posted = {name: value for name in PROFILE_FIELDS if isinstance(value := form.get(name), str)}
    try:
        async with ctx.rt.uows() as uow:
            await usecases.edit_engineer_profile(
                uow, current_user(request).actor, member.id, posted, ctx.clock(), known_skills=skills
            )
            await uow.commit()
    except ProfileInvalid as invalid:
        return _page(
            request,
            member,
            skills,
            regions,
            posted=posted,
            errors={name: refused(request, error) for name, error in invalid.refusals.items()},
            error=texts_of(request)(_("Nothing was saved: correct the fields marked below.")),
            status=422,
        )
    except ValidationFailed as failed:
        return _page(
            request, member, skills, regions, posted=posted, error=refused(request, failed), status=422
        )
    raise redirect(f"/admin/engineers/{member.id}?done=profile")
