"""Mount the API under /api: authentication, scopes, rate limits and JSON errors around every handler."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from helpdesk.api import (
    handlers_alerts,
    handlers_billing,
    handlers_contacts,
    handlers_directory,
    handlers_equipment,
    handlers_equipment_write,
    handlers_kb,
    handlers_tickets,
    handlers_webhooks,
)
from helpdesk.api.auth import ANONYMOUS, Principal, authenticate
from helpdesk.api.context import API_CONTEXT, ApiContext
from helpdesk.api.errors import ApiError, from_domain, from_kb
from helpdesk.api.fields import check_parameters
from helpdesk.api.jsonio import json_response
from helpdesk.api.openapi import build_document, render_html
from helpdesk.api.ratelimit import ApiRateLimit
from helpdesk.api.routes import Endpoint, RouteTable
from helpdesk.api.tokens import grants
from helpdesk.unavailable import RETRY_AFTER_S, is_transient, unavailable
from kb_search.model import KbError
from ticket_core.errors import DomainError

if TYPE_CHECKING:  # the runtime imports this module
    from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

PREFIX = "/api"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DOCS = RouteTable()


def endpoints() -> list[Endpoint]:
    """Every API endpoint, documentation included, in the order the document lists them."""
    return [
        *handlers_kb.ROUTES.endpoints,
        *handlers_tickets.ROUTES.endpoints,
        *handlers_directory.ROUTES.endpoints,
        *handlers_contacts.ROUTES.endpoints,
        *handlers_billing.ROUTES.endpoints,
        *handlers_webhooks.ROUTES.endpoints,
        *handlers_alerts.ROUTES.endpoints,
        *handlers_equipment.ROUTES.endpoints,
        *handlers_equipment_write.ROUTES.endpoints,
        *DOCS.endpoints,
    ]


@DOCS.route(
    "GET",
    "/api/openapi.json",
    summary="This API's OpenAPI 3.1 document",
    tag="Documentation",
    scope=None,
    response=None,
)
async def openapi_json(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """The machine-readable description of every endpoint, parameter, schema and error."""
    return json_response(build_document(endpoints()))


@DOCS.route("GET", "/api/docs", summary="This API's documentation as HTML", tag="Documentation", scope=None)
async def docs_page(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """A plain HTML page listing every endpoint (rendered on the server, no scripts)."""
    return web.Response(text=render_html(build_document(endpoints())), content_type="text/html")


def _wrap(ctx: ApiContext, endpoint: Endpoint) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            principal = ANONYMOUS
            if endpoint.scope is not None:
                principal = await authenticate(ctx, request)
                wait = ctx.limiter.take(principal.token_id)
                if wait > 0:
                    after = ApiRateLimit.retry_after_header(wait)
                    raise ApiError(
                        429,
                        "rate_limited",
                        f"Too many requests for token {principal.name!r} (at most {ctx.limiter.rate:g}/s, "
                        f"bursts of {ctx.limiter.burst:g}); retry after {after} s.",
                        headers={"Retry-After": after},
                    )
                if not grants(principal.scopes, endpoint.scope):
                    raise ApiError(
                        403,
                        "missing_scope",
                        f"Token {principal.name!r} lacks the {endpoint.scope} scope; ask an admin for a token "
                        f"with it (`helpdesk api-token create NAME --scopes {endpoint.scope}`).",
                    )
            check_parameters(request)
            return await endpoint.handler(ctx, request, principal)
        except ApiError as error:
            return error.response()
        except DomainError as error:
            return from_domain(error).response()
        except KbError as error:
            return from_kb(error).response()
        except web.HTTPException:
            raise
        except Exception as error:
            if is_transient(error):  # the database is down or out of connections: retry, not "a bug"
                log.warning("API %s %s: database unavailable: %s", request.method, request.path, error)
                return unavailable(
                    ApiError(
                        503,
                        "unavailable",
                        f"The database is not answering just now; nothing was changed. Retry in "
                        f"{RETRY_AFTER_S} s.",
                    ).response()
                )
            log.exception("API %s %s failed", request.method, request.path)
            return ApiError(
                500,
                "internal_error",
                "Something went wrong on our side. Retry in a moment; if it repeats, tell the operator "
                f"the time ({ctx.clock().isoformat(timespec='seconds')}) and the request.",
            ).response()

    handle.__name__ = endpoint.operation_id
    return handle


@web.middleware
async def json_http_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown paths, wrong methods and oversized bodies under /api answer in the API's JSON error shape."""
    try:
        return await handler(request)
    except web.HTTPMethodNotAllowed as error:
        allowed = ", ".join(sorted(error.allowed_methods))
        return ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.path}; use {allowed} (see /api/docs).",
            headers={"Allow": allowed},
        ).response()
    except web.HTTPNotFound:
        return ApiError(
            404,
            "no_such_endpoint",
            f"No endpoint {request.method} {request.path}; see /api/docs for the list.",
        ).response()
    except web.HTTPRequestEntityTooLarge:
        return ApiError(413, "too_large", "The body is too large; send less at once.").response()


def add_api_routes(app: web.Application, rt: Runtime) -> ApiContext:
    """Mount the API on `app` as a sub-application under /api over the runtime `rt`; return its context."""
    limiter = ApiRateLimit(float(rt.settings.api_rate_per_s), int(rt.settings.api_rate_burst))
    ctx = ApiContext(rt, limiter)
    api = web.Application(middlewares=[json_http_errors])
    api[API_CONTEXT] = ctx
    for endpoint in endpoints():
        api.router.add_route(endpoint.method, endpoint.path.removeprefix(PREFIX), _wrap(ctx, endpoint))
    app.add_subapp(PREFIX, api)
    app[API_CONTEXT] = ctx
    return ctx
