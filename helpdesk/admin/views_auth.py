"""Login, logout and the dashboard."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from helpdesk.admin.access import Area
from helpdesk.admin.context import admin_context, current_user, sla_config_of
from helpdesk.admin.i18n import _
from helpdesk.admin.login_throttle import DEVICE_COOKIE, DEVICE_LIFETIME
from helpdesk.admin.pages import html, redirect, texts_of
from helpdesk.admin.routes import RouteTable
from helpdesk.admin.sessions import COOKIE, LOGIN_CSRF_COOKIE, new_token, same_token
from helpdesk.admin.usecases import LoginRefused, LoginThrottled, log_in, log_out

ROUTES = RouteTable()
MAX_FIELD = 300


def safe_next(value: str | None) -> str:
    """Where to go after login: only a path inside the admin, never another site."""
    if not value:
        return "/admin/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/admin") or "\\" in value:
        return "/admin/"
    return value


def _client_ip(request: web.Request) -> str:
    return (request.remote or "unknown")[:64]


def _login_form(request: web.Request, *, status: int = 200, error: str = "", login: str = "") -> web.Response:
    ctx = admin_context(request)
    token = new_token()
    response = html(
        request,
        "login.html",
        status=status,
        error=error,
        login=login,
        login_csrf=token,
        next=safe_next(request.query.get("next")),
    )
    options = ctx.policy.cookie_options()
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **options)
    return response


@ROUTES.route("GET", "/login", "login", None)
async def login_page(request: web.Request) -> web.StreamResponse:
    """The login form (a double-submit CSRF token protects it before there is a session)."""
    return _login_form(request)


@ROUTES.route("POST", "/login", "login-post", None)
async def login_post(request: web.Request) -> web.StreamResponse:
    """Check the login, start a session and go to the page asked for; 429 with Retry-After when throttled.

    A successful login also (re)sets the device cookie that makes this browser a known one for the login
    (`helpdesk.admin.login_throttle`); signing out keeps it.
    """
    ctx = admin_context(request)
    form = await request.post()
    login = str(form.get("login", ""))[:MAX_FIELD]
    password = str(form.get("password", ""))[:MAX_FIELD]
    if not same_token(str(form.get("csrf", "")), request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_form(
            request,
            status=403,
            error=texts_of(request)(_("The login form expired. Enter your login and password again.")),
            login=login,
        )
    try:
        signed = await log_in(
            ctx.rt.uows,
            login,
            password,
            _client_ip(request),
            ctx.clock(),
            ctx.policy,
            ctx.limits,
            request.cookies.get(DEVICE_COOKIE),
        )
    except LoginThrottled as error:
        response = _login_form(request, status=429, error=str(error), login=login)
        response.headers["Retry-After"] = str(error.retry_after_s)
        return response
    except LoginRefused as error:
        return _login_form(request, status=401, error=texts_of(request)(str(error)), login=login)
    target = safe_next(str(form.get("next", "")))
    response = web.HTTPSeeOther(target)
    options = ctx.policy.cookie_options()
    response.set_cookie(COOKIE, signed.token, **options)
    # Only the login form reads it, from this site: Strict keeps it off every cross-site request.
    device_options = {**options, "samesite": "Strict"}
    response.set_cookie(
        DEVICE_COOKIE, signed.device_token, max_age=int(DEVICE_LIFETIME.total_seconds()), **device_options
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/admin")
    raise response


@ROUTES.route("POST", "/logout", "logout", Area.DASHBOARD)
async def logout(request: web.Request) -> web.StreamResponse:
    """End the session and go back to the login form."""
    ctx = admin_context(request)
    async with ctx.rt.uows() as uow:
        await log_out(uow, current_user(request), ctx.clock())
        await uow.commit()
    response = redirect("/admin/login")
    response.del_cookie(COOKIE, path="/admin")
    raise response


@ROUTES.route("GET", "/", "dashboard", Area.DASHBOARD)
async def dashboard(request: web.Request) -> web.StreamResponse:
    """Counts at a glance: tickets by status, SLA alerts, KB articles, engineers on shift, recent changes."""
    ctx = admin_context(request)
    async with ctx.rt.uows() as uow:
        by_status = await uow.ticket_lists.counts_by_status()
        sla = await uow.ticket_lists.open_sla_counts(sla_config_of(uow).ladder)
        articles = await uow.article_lists.counts_by_status()
        engineers = await uow.directory.list_staff()
        recent = await uow.admin.recent_audit(15)
    on_shift = sum(1 for m in engineers if str(m.role) == "engineer" and m.on_shift)
    total_engineers = sum(1 for m in engineers if str(m.role) == "engineer")
    return html(
        request,
        "dashboard.html",
        by_status=by_status,
        sla=sla,
        articles=articles,
        on_shift=on_shift,
        total_engineers=total_engineers,
        recent=recent,
    )
