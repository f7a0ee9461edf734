"""Build the portal's HTML responses: the common page context (who, CSRF token, language) and error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from dialogue.refusals import refusal_text
from helpdesk.admin.i18n import LANGS, Texts, _
from helpdesk.admin.render import page
from helpdesk.portal.context import USER_KEY, portal_context
from helpdesk.portal.i18n import texts_for
from kb_search.model import KbError
from ticket_core.errors import DomainError, english

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

DONE: dict[str, str] = {
    "comment": _("Your message is added; the engineer sees it now."),
    "rated": _("Thank you for your rating!"),
    "reopened": _("The request is open again; an engineer will take it."),
    "opened": _("Your request is registered; we will let you know who takes it."),
    "following": _("You will hear about this request in your chats and mail."),
    "unfollowed": _("You no longer hear about this request."),
    "mail_on": _("Notifications by mail are on again."),
    "mail_off": _("Notifications by mail are off."),
}
"""Fixed confirmation texts chosen by the `done` query value after a redirect (nothing is reflected)."""


def texts_of(request: web.Request) -> Texts:
    """The portal's texts in the language of whoever asks."""
    user = request.get(USER_KEY)
    return texts_for(request, user.contact.lang if user is not None else None)


def html(request: web.Request, template: str, *, status: int = 200, **values: Any) -> web.Response:
    """Render a portal template with the common context and wrap it in a response."""
    ctx = portal_context(request)
    user = request.get(USER_KEY)
    tr = texts_of(request)
    done = DONE.get(request.query.get("done", ""), "")
    query = [(k, v) for k, v in request.query.items() if k != "done"]
    context: dict[str, Any] = {
        "user": user,
        "csrf": user.session.csrf_token if user is not None else "",
        "path": request.path,
        "here": request.path + (f"?{urlencode(query)}" if query else ""),
        "done": tr(done) if done else "",
        "lang": tr.lang,
        "langs": LANGS,
        "tz": ZoneInfo(ctx.rt.settings.company_tz),
        "_": tr,
        "gettext": tr.gettext,
        "ngettext": tr.ngettext,
        **values,
    }
    body = page(ctx.env, template, context)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def refused(request: web.Request, error: Exception) -> str:
    """A refusal in the reader's language: the domain's Russian (`dialogue.refusals`), else the portal's own
    catalogue (refusals the portal raises itself), else the English sentence."""
    if not isinstance(error, DomainError | KbError):
        return str(error)
    tr = texts_of(request)
    said = refusal_text(error, tr.lang)
    return said if said is not None else english(tr.gettext(error.template), error.params)


def error_page(request: web.Request, status: int, title: str, message: str, **values: Any) -> web.Response:
    """An error page that says what happened and what to do next, in the reader's language."""
    tr = texts_of(request)
    return html(request, "error.html", status=status, title=tr(title), message=tr(message, **values))
