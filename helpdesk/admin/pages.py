"""Build HTML responses: the common page context (user, CSRF token, navigation) and error pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from dialogue.refusals import refusal_text
from helpdesk.admin.access import Area, may
from helpdesk.admin.context import USER_KEY, admin_context
from helpdesk.admin.i18n import LANGS, Texts, _, request_lang
from helpdesk.admin.labels import label_helpers
from helpdesk.admin.render import page
from kb_search.model import KbError
from ticket_core.errors import DomainError, ValueRefused, english

NAV: tuple[tuple[str, str, Area], ...] = (
    (_("Dashboard"), "/admin/", Area.DASHBOARD),
    (_("Tickets"), "/admin/tickets", Area.TICKETS),
    (_("Knowledge base"), "/admin/kb", Area.KB_READ),
    (_("Engineers"), "/admin/engineers", Area.STAFF_READ),
    (_("Clients"), "/admin/clients", Area.DIRECTORY),
    (_("Equipment"), "/admin/equipment", Area.EQUIPMENT),
    (_("Billing"), "/admin/billing", Area.BILLING),
    (_("SLA"), "/admin/sla", Area.SLA),
    (_("Reports"), "/admin/reports", Area.REPORTS),
    (_("Messages"), "/admin/messages", Area.MESSAGES),
)

DONE: dict[str, str] = {
    "saved": _("Saved."),
    "created": _("Draft created."),
    "published": _("Published: the bot answers with it within a second."),
    "unpublished": _("Unpublished: back to draft, search no longer shows it."),
    "restored": _("Restored as a new version."),
    "shift": _("Shift changed."),
    "phrasing-removed": _("Confirmed question removed: search stops using it within a second."),
    "profile": _("Profile saved: routing uses it from the next job offer on."),
    "retired": _("Retired: no stickers are printed for it and a scan of it is no longer accepted."),
    "lang": _("Language changed: the admin and the bots speak it to you from now on."),
    "paid": _("Payment recorded: the balance below includes it."),
    "reversed": _("Reversed: a reversal row undoes it, and the balance below includes it."),
    "adjusted": _("Adjusted: the line is reversed and replaced by the new amount."),
    "voided": _("Package voided: its unused hours stopped, and the refund is in the balance below."),
    "estimate-approve": _(
        "Estimate approved for the client: they are told, and the job goes to an engineer."
    ),
    "estimate-decline": _("Estimate declined for the client: the request is cancelled and they are told."),
}
"""Fixed confirmation texts chosen by the `done` query value after a redirect (nothing is reflected)."""


def _without_done(request: web.Request) -> str:
    """This page's address without its confirmation (`done`), to come back to after a form."""
    query = [(k, v) for k, v in request.query.items() if k != "done"]
    return request.path + (f"?{urlencode(query)}" if query else "")


def texts_of(request: web.Request) -> Texts:
    """The admin's texts in the language of whoever asks (see helpdesk.admin.i18n)."""
    user = request.get(USER_KEY)
    return Texts(request_lang(request, user.member.lang if user is not None else None))


def html(request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
    """Render a template with the common context and wrap it in a response."""
    ctx = admin_context(request)
    user = request.get(USER_KEY)
    role = user.member.role if user is not None else None
    tr = texts_of(request)
    done = DONE.get(request.query.get("done", ""), "")
    context: dict[str, Any] = {
        "user": user,
        "csrf": user.session.csrf_token if user is not None else "",
        "nav": [(tr(label), href) for label, href, area in NAV if role is not None and may(role, area)],
        "can": (lambda area: role is not None and may(role, Area(area))),
        "path": request.path,
        "done": tr(done) if done else "",
        "lang": tr.lang,
        "tz": ZoneInfo(ctx.rt.settings.company_tz),  # every time on the page (the `when` filter)
        "langs": LANGS,
        "_": tr,
        "gettext": tr.gettext,
        "ngettext": tr.ngettext,
        "here": _without_done(request),
        **label_helpers(tr),
        **values,
    }
    body = page(ctx.env, template, context)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def refused(request: web.Request, error: Exception) -> str:
    """A use case's refusal in the reader's language: the domain's Russian (`dialogue.refusals`), else the
    admin catalogue's (refusals the admin raises itself), else the English sentence."""
    if not isinstance(error, DomainError | KbError | ValueRefused):
        return str(error)
    tr = texts_of(request)
    said = refusal_text(error, tr.lang)
    if said is not None:
        return said
    # The admin's own refusals are in its catalogue, and so are the words it passes as a role or an action.
    words = {
        k: tr.gettext(v) if k in _WORD_PARAMS and isinstance(v, str) else v for k, v in error.params.items()
    }
    return english(tr.gettext(error.template), words)


_WORD_PARAMS = frozenset({"what", "roles", "role"})


def error_page(request: web.Request, status: int, title: str, message: str, **values: Any) -> web.Response:
    """An error page that says what happened and what to do next, in the reader's language (`title` and
    `message` are catalogue texts, `message` filled with `values`; a message from elsewhere shows as it is)."""
    tr = texts_of(request)
    return html(request, "error.html", status=status, title=tr(title), message=tr(message, **values))


def redirect(location: str) -> web.HTTPSeeOther:
    """A 303 to another admin page (after a POST)."""
    return web.HTTPSeeOther(location)
