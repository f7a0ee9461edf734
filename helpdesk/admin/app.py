"""Mount the web admin under /admin: the session and role guard, CSRF checks and security headers."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from helpdesk.admin import (
    views_auth,
    views_billing,
    views_directory,
    views_engineers,
    views_equipment,
    views_equipment_photos,
    views_equipment_plans,
    views_equipment_reports,
    views_equipment_types,
    views_kb,
    views_lang,
    views_messages,
    views_reports,
    views_tickets,
)
from helpdesk.admin.access import may
from helpdesk.admin.context import ADMIN_CONTEXT, USER_KEY, AdminContext, admin_context
from helpdesk.admin.i18n import _
from helpdesk.admin.input_guard import refuse_bad_input
from helpdesk.admin.labels import ROLES
from helpdesk.admin.pages import error_page, refused, texts_of
from helpdesk.admin.render import STATIC, make_environment
from helpdesk.admin.routes import AdminRoute, Handler
from helpdesk.admin.sessions import COOKIE, SessionPolicy, resume_session, same_token
from helpdesk.admin.usecases import AdminUser, LoginLimits
from helpdesk.unavailable import is_transient, unavailable
from kb_search.model import KbError
from ticket_core.errors import DomainError, Forbidden, NotFound

if TYPE_CHECKING:  # the runtime imports this module
    from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

PREFIX = "/admin"
STATIC_NAME = "admin-static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'none'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def all_routes() -> list[AdminRoute]:
    """Every admin route, each with the area the guard checks."""
    return [
        *views_auth.ROUTES.routes,
        *views_lang.ROUTES.routes,
        *views_tickets.ROUTES.routes,
        *views_kb.ROUTES.routes,
        *views_directory.ROUTES.routes,
        *views_engineers.ROUTES.routes,
        *views_equipment.ROUTES.routes,
        *views_equipment_photos.ROUTES.routes,
        *views_equipment_plans.ROUTES.routes,
        *views_equipment_reports.ROUTES.routes,
        *views_billing.ROUTES.routes,
        *views_equipment_types.ROUTES.routes,
        *views_reports.ROUTES.routes,
        *views_messages.ROUTES.routes,
    ]


async def _session_user(request: web.Request) -> AdminUser | None:
    ctx = admin_context(request)
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    async with ctx.rt.uows() as uow:
        record = await resume_session(uow.admin, token, ctx.clock(), ctx.policy)
        member = await uow.directory.get_staff(record.staff_id) if record is not None else None
        await uow.commit()
    if record is None or member is None:
        return None
    return AdminUser(member, record)


async def _posted_csrf(request: web.Request) -> str | None:
    header = request.headers.get("X-CSRF-Token")
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        value = form.get("csrf")
        return value if isinstance(value, str) else None
    return None


def _guard(areas: dict[str, Any]) -> Any:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Resolve the session, check the route's area for the user's role and the CSRF token of a POST."""
        name = request.match_info.route.name
        try:
            if name == STATIC_NAME or (name in areas and areas[name] is None):
                return await handler(request)
            if name not in areas:
                raise web.HTTPNotFound()
            user = await _session_user(request)
            if user is None:
                if request.method == "GET":
                    raise web.HTTPSeeOther(f"{PREFIX}/login?next={quote(request.path_qs, safe='')}")
                return error_page(
                    request,
                    401,
                    _("Signed out"),
                    _("Your session has ended. Sign in again and repeat the change."),
                )
            request[USER_KEY] = user
            if not may(user.member.role, areas[name]):
                return error_page(
                    request,
                    403,
                    _("No access"),
                    _(
                        "{name}, your role ({role}) has no access to this page. "
                        "Engineers work from the staff chat; ask an admin if you need this page."
                    ),
                    name=user.member.name,
                    role=texts_of(request)(ROLES.get(str(user.member.role), str(user.member.role))),
                )
            if request.method == "POST" and not same_token(
                await _posted_csrf(request), user.session.csrf_token
            ):
                return error_page(
                    request,
                    403,
                    _("Form expired"),
                    _(
                        "This form is out of date or was not sent from the admin pages (CSRF check). "
                        "Reload the page and submit it again."
                    ),
                )
            return await handler(request)
        except web.HTTPException:
            raise
        except NotFound as error:
            return error_page(request, 404, _("Not found"), refused(request, error))
        except Forbidden as error:
            return error_page(request, 403, _("Not allowed"), refused(request, error))
        except (DomainError, KbError) as error:
            return error_page(request, 400, _("That did not work"), refused(request, error))
        except Exception as error:
            if is_transient(error):  # the database is down or out of connections: say so, not "a bug"
                log.warning("admin %s %s: database unavailable: %s", request.method, request.path, error)
                return unavailable(
                    error_page(
                        request,
                        503,
                        _("Busy for a moment"),
                        _(
                            "The database is not answering just now. Nothing was changed; try again in a minute."
                        ),
                    )
                )
            log.exception("admin %s %s failed", request.method, request.path)
            return error_page(
                request,
                500,
                _("Something went wrong"),
                _(
                    "Something went wrong on our side. Retry in a moment; if it repeats, tell the operator the "
                    "time ({time}) and the page."
                ),
                time=admin_context(request).clock().isoformat(timespec="seconds"),
            )

    return guard


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add the admin's security headers (CSP, no framing, no caching) to every answer, errors included."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


def add_admin_routes(app: web.Application, rt: Runtime) -> AdminContext:
    """Mount the admin on `app` as a sub-application under /admin over the runtime `rt`; return its context."""
    settings = rt.settings
    ctx = AdminContext(
        rt, make_environment(), SessionPolicy.from_settings(settings), LoginLimits.from_settings(settings)
    )
    routes = all_routes()
    areas = {r.name: r.area for r in routes}
    admin = web.Application(middlewares=[security_headers, refuse_bad_input, _guard(areas)])
    admin[ADMIN_CONTEXT] = ctx
    for r in routes:
        admin.router.add_route(r.method, r.path, r.handler, name=r.name)
    admin.router.add_static("/static/", STATIC, name=STATIC_NAME)

    async def to_dashboard(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect(PREFIX + "/")

    app.router.add_get(PREFIX, to_dashboard)  # before the sub-application, which only serves /admin/...
    app.add_subapp(PREFIX, admin)
    app[ADMIN_CONTEXT] = ctx
    return ctx
