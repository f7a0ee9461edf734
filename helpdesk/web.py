"""The aiohttp application: health check, web chat, Telegram webhooks."""

from __future__ import annotations

import logging

from aiohttp import web

from helpdesk.forwarded import forwarded_middleware, parse_trusted
from helpdesk.health import make_healthz
from helpdesk.icons import add_icon_routes
from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

RUNTIME_KEY: web.AppKey[Runtime] = web.AppKey("runtime", Runtime)


def build_web_app(rt: Runtime) -> web.Application:
    """Create the aiohttp application over a built runtime."""
    trusted = parse_trusted(rt.settings.trusted_proxies)
    # First, so every per-address limit below (web chat, admin login, portal links) sees the visitor's address.
    middlewares = [forwarded_middleware(trusted)] if trusted else []
    app = web.Application(client_max_size=20 * 1024 * 1024, middlewares=middlewares)
    app[RUNTIME_KEY] = rt
    app.router.add_get("/healthz", make_healthz(rt.db, rt.sessions, rt.uows.redis))
    rt.metrics.add_route(app)  # Prometheus; keep it off the public side of the load balancer
    add_icon_routes(app)
    rt.webchat.add_routes(app)
    from helpdesk.api import add_api_routes

    add_api_routes(app, rt)  # REST API, OpenAPI document and docs under /api
    from helpdesk.admin.app import add_admin_routes

    add_admin_routes(app, rt)  # web admin pages under /admin (login, KB, tickets, directory, SLA, reports)
    from helpdesk.portal import add_portal_routes

    add_portal_routes(app, rt)  # the client portal under /portal (one-time links, tickets, KB)
    from helpdesk.webchat_login import add_staff_chat_login

    add_staff_chat_login(app, rt)  # /admin/staff-chat: the admin login opens the staff web chat
    if rt.whatsapp is not None:
        rt.whatsapp.add_routes(app, "/webhook/whatsapp")
    if rt.settings.public_url:
        base = rt.settings.public_url.rstrip("/")
        for channel in rt.telegram:
            path = f"/webhook/telegram/{channel.bot_kind}"
            channel.add_webhook_route(app, path)
            if not rt.settings.telegram_set_webhook:
                continue

            async def _set(_app: web.Application, channel=channel, url=base + path) -> None:  # type: ignore[no-untyped-def]
                await channel.set_webhook(url)

            app.on_startup.append(_set)
    return app
