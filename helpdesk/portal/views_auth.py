"""Signing in and out: the link request form, the link's page, the language switch."""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

from aiohttp import web

from helpdesk.admin.i18n import _, norm_lang
from helpdesk.admin.sessions import new_token, same_token
from helpdesk.portal import signin
from helpdesk.portal.context import USER_KEY, current_user, portal_context
from helpdesk.portal.i18n import LANG_COOKIE
from helpdesk.portal.pages import error_page, html, texts_of
from helpdesk.portal.routes import RouteTable

ROUTES = RouteTable()
PREFIX = "/portal"


def client_ip(request: web.Request) -> str:
    """The address a request came from (the limit's key)."""
    return (request.remote or "unknown")[:64]


def _is_local(host: str) -> bool:
    name = (urlsplit(f"//{host}").hostname or "").strip("[]")
    if name == "localhost":
        return True
    try:
        return ip_address(name).is_loopback
    except ValueError:
        return False


def link_base(request: web.Request) -> str | None:
    """Where login links point: PORTAL_URL / PUBLIC_URL; without them this host, only when it is local (a
    link built from a Host header an attacker chose would carry a real secret to the attacker's site)."""
    configured = portal_context(request).base_url
    if configured:
        return configured
    return f"{request.scheme}://{request.host}" if _is_local(request.host) else None


def _login_form(
    request: web.Request, *, status: int = 200, error: str = "", identifier: str = ""
) -> web.Response:
    ctx = portal_context(request)
    token = new_token()
    response = html(
        request,
        "login.html",
        status=status,
        error=error,
        identifier=identifier,
        login_csrf=token,
    )
    response.set_cookie(signin.LOGIN_CSRF_COOKIE, token, max_age=3600, **signin.cookie_options(ctx.policy))  # type: ignore[arg-type]
    return response


def safe_next(value: str | None) -> str:
    """Where to go after signing in: only a path inside the portal, never another site."""
    if not value:
        return PREFIX + "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith(PREFIX + "/") or "\\" in value or "//" in value:
        return PREFIX + "/"
    return value


@ROUTES.route("GET", "/login", "login", public=True)
async def login_page(request: web.Request) -> web.StreamResponse:
    """The form that asks for a phone number or a mail address (a double-submit CSRF token guards it)."""
    if request.get(USER_KEY) is not None:
        raise web.HTTPSeeOther(PREFIX + "/")
    return _login_form(request)


@ROUTES.route("POST", "/login", "login-post", public=True)
async def login_post(request: web.Request) -> web.StreamResponse:
    """Send a link to whoever is known by what was typed; the answer is the same for anyone."""
    ctx = portal_context(request)
    tr = texts_of(request)
    form = await request.post()
    identifier = str(form.get("identifier", ""))[: signin.MAX_IDENTIFIER].strip()
    if not same_token(str(form.get("csrf", "")), request.cookies.get(signin.LOGIN_CSRF_COOKIE)):
        return _login_form(
            request,
            status=403,
            error=tr(_("The form expired. Type your phone or mail again.")),
            identifier=identifier,
        )
    if not identifier:
        return _login_form(
            request,
            status=400,
            error=tr(_("Type the phone number or the mail address you write to us from.")),
        )
    base = link_base(request)
    if base is None:
        return error_page(
            request,
            503,
            _("Sign-in links are not set up"),
            _(
                "The operator has not set the portal's address (PORTAL_URL). Write to us in the chat meanwhile."
            ),
        )
    try:
        await signin.request_link(ctx.rt, identifier, client_ip(request), ctx.clock(), base, ctx.limits)
    except signin.LinkThrottled as error:
        response = _login_form(
            request,
            status=429,
            error=tr(
                _("Too many requests from this network. Try again in {minutes} minutes."),
                minutes=error.retry_after_s // 60,
            ),
            identifier=identifier,
        )
        response.headers["Retry-After"] = str(error.retry_after_s)
        return response
    return html(request, "link_sent.html", minutes=int(ctx.limits.link_ttl.total_seconds() // 60))


@ROUTES.route("GET", "/in/{secret}", "link", public=True)
async def link_page(request: web.Request) -> web.StreamResponse:
    """The link's page: one button that signs in (a preview or a mail scanner fetching the link spends nothing)."""
    ctx = portal_context(request)
    secret = request.match_info["secret"]
    async with ctx.rt.uows() as uow:
        usable = await signin.link_is_usable(uow, secret, ctx.clock())
    if not usable:
        return _dead_link(request)
    token = new_token()
    response = html(request, "link.html", secret=secret, login_csrf=token)
    response.set_cookie(signin.LOGIN_CSRF_COOKIE, token, max_age=3600, **signin.cookie_options(ctx.policy))  # type: ignore[arg-type]
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _dead_link(request: web.Request) -> web.Response:
    return error_page(
        request,
        410,
        _("This link no longer works"),
        _("A sign-in link works once and for a short time. Ask for a new one on the sign-in page."),
    )


@ROUTES.route("POST", "/in", "link-post", public=True)
async def link_post(request: web.Request) -> web.StreamResponse:
    """Spend the link, start a session and open the portal."""
    ctx = portal_context(request)
    form = await request.post()
    if not same_token(str(form.get("csrf", "")), request.cookies.get(signin.LOGIN_CSRF_COOKIE)):
        return error_page(
            request, 403, _("Form expired"), _("Open the link from your message again and press the button.")
        )
    async with ctx.rt.uows() as uow:
        signed = await signin.sign_in(
            uow, str(form.get("secret", "")), client_ip(request), ctx.clock(), ctx.policy
        )
        await uow.commit()
    if signed is None:
        return _dead_link(request)
    token, _record = signed
    response = web.HTTPSeeOther(PREFIX + "/")
    options = signin.cookie_options(ctx.policy)
    response.set_cookie(signin.COOKIE, token, **options)  # type: ignore[arg-type]
    response.del_cookie(signin.LOGIN_CSRF_COOKIE, path=PREFIX)
    raise response


@ROUTES.route("POST", "/logout", "logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """End the session and go back to the sign-in page."""
    ctx = portal_context(request)
    async with ctx.rt.uows() as uow:
        await uow.portal.delete_session(current_user(request).session.id)
        await uow.commit()
    response = web.HTTPSeeOther(PREFIX + "/login")
    response.del_cookie(signin.COOKIE, path=PREFIX)
    raise response


@ROUTES.route("GET", "/lang/{code}", "lang", public=True)
async def switch_lang(request: web.Request) -> web.StreamResponse:
    """Show the portal in Russian or English from now on (a cookie; the bots keep the contact's language)."""
    code = norm_lang(request.match_info["code"]) or "ru"
    target = safe_next(request.query.get("next"))
    if target == PREFIX + "/" and request.get(USER_KEY) is None:
        target = PREFIX + "/login"
    response = web.HTTPSeeOther(target)
    response.set_cookie(
        LANG_COOKIE, code, max_age=365 * 24 * 3600, path=PREFIX, samesite="Lax", httponly=True
    )
    raise response
