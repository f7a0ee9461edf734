"""Build HTML responses: the common page context (user, CSRF token, navigation) and error pages."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from helpdesk.admin.access import Area, may
from helpdesk.admin.context import USER_KEY, admin_context
from helpdesk.admin.render import page

NAV: tuple[tuple[str, str, Area], ...] = (
    ("Dashboard", "/admin/", Area.DASHBOARD),
    ("Tickets", "/admin/tickets", Area.TICKETS),
    ("Knowledge base", "/admin/kb", Area.KB_READ),
    ("Engineers", "/admin/engineers", Area.STAFF_READ),
    ("Clients", "/admin/clients", Area.DIRECTORY),
    ("SLA", "/admin/sla", Area.SLA),
    ("Reports", "/admin/reports", Area.REPORTS),
    ("Messages", "/admin/messages", Area.MESSAGES),
)

DONE: dict[str, str] = {
    "saved": "Saved.",
    "created": "Draft created.",
    "published": "Published: the bot answers with it within a second.",
    "unpublished": "Unpublished: back to draft, search no longer shows it.",
    "restored": "Restored as a new version.",
    "shift": "Shift changed.",
    "phrasing-removed": "Confirmed question removed: search stops using it within a second.",
    "profile": "Profile saved: routing uses it from the next job offer on.",
}
"""Fixed confirmation texts chosen by the `done` query value after a redirect (nothing is reflected)."""


def html(request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
    """Render a template with the common context and wrap it in a response."""
    ctx = admin_context(request)
    user = request.get(USER_KEY)
    role = user.member.role if user is not None else None
    context: dict[str, Any] = {
        "user": user,
        "csrf": user.session.csrf_token if user is not None else "",
        "nav": [(label, href) for label, href, area in NAV if role is not None and may(role, area)],
        "can": (lambda area: role is not None and may(role, Area(area))),
        "path": request.path,
        "done": DONE.get(request.query.get("done", ""), ""),
        **values,
    }
    body = page(ctx.env, template, context)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def error_page(request: web.Request, status: int, title: str, message: str) -> web.Response:
    """An error page that says what happened and what to do next."""
    return html(request, "error.html", status=status, title=title, message=message)


def redirect(location: str) -> web.HTTPSeeOther:
    """A 303 to another admin page (after a POST)."""
    return web.HTTPSeeOther(location)
