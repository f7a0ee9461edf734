"""Choosing the admin's language: a signed-in person's is kept on their staff record, a visitor's in a cookie."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from aiohttp import web

from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user
from helpdesk.admin.i18n import LANG_COOKIE, _, norm_lang
from helpdesk.admin.pages import redirect, texts_of
from helpdesk.admin.routes import RouteTable
from helpdesk.admin.usecases import set_own_language
from helpdesk.admin.views_auth import safe_next
from ticket_core.errors import ValidationFailed

ROUTES = RouteTable()
LANG_COOKIE_DAYS = 365


def _with_cookie(response: web.HTTPSeeOther, request: web.Request, lang: str) -> web.HTTPSeeOther:
    options = admin_context(request).policy.cookie_options()
    response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_DAYS * 86400, **options)
    return response


@ROUTES.route("GET", "/lang", "lang-visitor", None)
async def choose_visitor_language(request: web.Request) -> web.StreamResponse:
    """Before signing in (`?to=ru&next=...`): only this browser's cookie changes."""
    lang = norm_lang(request.query.get("to")) or "ru"
    raise _with_cookie(redirect(safe_next(request.query.get("next"))), request, lang)


@ROUTES.route("POST", "/lang", "lang", Area.DASHBOARD)
async def choose_language(request: web.Request) -> web.StreamResponse:
    """A signed-in person's language, kept on their staff record (the bots speak it to them too)."""
    ctx = admin_context(request)
    form = await request.post()
    lang = norm_lang(str(form.get("to", "")))
    if lang is None:
        raise ValidationFailed(texts_of(request)(_("Pick a language from the header: RU or EN.")))
    async with ctx.rt.uows() as uow:
        await set_own_language(uow, current_user(request), lang, ctx.clock())
        await uow.commit()
    back = urlsplit(safe_next(str(form.get("next", ""))))
    query = [(k, v) for k, v in parse_qsl(back.query) if k != "done"] + [("done", "lang")]
    raise _with_cookie(redirect(f"{back.path}?{urlencode(query)}"), request, lang)
