"""Mount the client portal under /portal: the session guard, CSRF checks and the admin's security headers.

The portal reuses the admin's web rules rather than a copy of them: the same Content-Security-Policy and
headers (`helpdesk.admin.app.security_headers`), the same input guard (`input_guard`), the same session
rules (`helpdesk.admin.sessions`: server-side sessions stored as hashes, absolute and idle expiry, a CSRF
token per session compared in constant time) and the same template environment and gettext machinery.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from helpdesk.admin.app import security_headers
from helpdesk.admin.i18n import _
from helpdesk.admin.input_guard import input_guard
from helpdesk.admin.render import make_environment
from helpdesk.admin.sessions import SessionPolicy, same_token
from helpdesk.portal.context import (
    PORTAL_CONTEXT,
    UOW_KEY,
    USER_KEY,
    LinkLimits,
    PortalContext,
    portal_context,
)
from helpdesk.portal.pages import STATIC, TEMPLATES, error_page, refused
from helpdesk.portal.routes import Handler, PortalRoute
from helpdesk.portal.signin import COOKIE, resume
from helpdesk.portal.views_auth import ROUTES as AUTH_ROUTES
from helpdesk.portal.views_kb import ROUTES as KB_ROUTES
from helpdesk.portal.views_mail import ROUTES as MAIL_ROUTES
from helpdesk.portal.views_tickets import ROUTES as TICKET_ROUTES
from helpdesk.unavailable import is_transient, unavailable
from kb_search.model import KbError
from ticket_core.errors import DomainError, Forbidden, NotFound

if TYPE_CHECKING:  # the runtime imports this module
    from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

PREFIX = "/portal"
STATIC_NAME = "portal-static"


def all_routes() -> list[PortalRoute]:
    """Every portal route (`public`: open without a session)."""
    return [*AUTH_ROUTES.routes, *TICKET_ROUTES.routes, *KB_ROUTES.routes, *MAIL_ROUTES.routes]


async def _posted_csrf(request: web.Request) -> str | None:
    header = request.headers.get("X-CSRF-Token")
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        value = form.get("csrf")
        return value if isinstance(value, str) else None
    return None


def _guard(public: set[str], shared: set[str]) -> Any:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Resolve the session and check the CSRF token of a POST; turn domain refusals into pages."""
        name = request.match_info.route.name
        ctx = portal_context(request)
        try:
            if name == STATIC_NAME:
                return await handler(request)
            token = request.cookies.get(COOKIE)
            if token and name in shared and request.method == "GET":
                # A page that only reads does so in the unit that resumed the session: one transaction.
                async with ctx.rt.uows() as uow:
                    user = await resume(uow, token, ctx.clock(), ctx.policy)
                    if user is not None:
                        request[USER_KEY] = user
                        request[UOW_KEY] = uow
                        response = await handler(request)
                    await uow.commit()  # the session's activity (once a minute), or an expired one's removal
                if user is not None:
                    return response
            elif token:
                async with ctx.rt.uows() as uow:
                    user = await resume(uow, token, ctx.clock(), ctx.policy)
                    await uow.commit()
                if user is not None:
                    request[USER_KEY] = user
            if name in public:
                return await handler(request)
            if name is None:
                raise web.HTTPNotFound()
            if request.get(USER_KEY) is None:
                if request.method == "GET":
                    raise web.HTTPSeeOther(f"{PREFIX}/login?next={quote(request.path_qs, safe='')}")
                return error_page(
                    request, 401, _("Signed out"), _("Your session has ended. Ask for a new link and repeat.")
                )
            if request.method == "POST" and not same_token(
                await _posted_csrf(request), request[USER_KEY].session.csrf_token
            ):
                return error_page(
                    request,
                    403,
                    _("Form expired"),
                    _(
                        "This form is out of date or was not sent from the portal. Reload the page and send it again."
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
                log.warning("portal %s %s: database unavailable: %s", request.method, request.path, error)
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
            log.exception("portal %s %s failed", request.method, request.path)
            return error_page(
                request,
                500,
                _("Something went wrong"),
                _(
                    "Something went wrong on our side. Retry in a moment; if it repeats, tell us the time ({time})."
                ),
                time=ctx.clock().isoformat(timespec="seconds"),
            )

    return guard


def add_portal_routes(app: web.Application, rt: Runtime) -> PortalContext:
    """Mount the portal on `app` as a sub-application under /portal; return its context."""
    settings = rt.settings
    policy = SessionPolicy.from_settings(settings)
    env = make_environment(TEMPLATES)
    limits = LinkLimits()
    ctx = PortalContext(rt, env, policy, limits, settings.portal_url or settings.public_url)
    routes = all_routes()
    public = {r.name for r in routes if r.public}
    shared = {r.name for r in routes if r.reads_in_guard}
    portal = web.Application(
        middlewares=[security_headers, input_guard(error_page), _guard(public, shared)],
        client_max_size=settings.webchat_max_upload_mb * 1024 * 1024 * 4 + 65536,
    )
    portal[PORTAL_CONTEXT] = ctx
    for r in routes:
        portal.router.add_route(r.method, r.path, r.handler, name=r.name)
    portal.router.add_static("/static/", STATIC, name=STATIC_NAME)

    async def to_home(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPPermanentRedirect(PREFIX + "/")

    app.router.add_get(PREFIX, to_home)
    app.add_subapp(PREFIX, portal)
    app[PORTAL_CONTEXT] = ctx
    return ctx
