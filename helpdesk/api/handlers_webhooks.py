"""`/api/webhooks`: subscriptions to ticket events, delivered signed through the outbox."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from helpdesk.api import audit, serialize
from helpdesk.api.auth import Principal
from helpdesk.api.context import ApiContext
from helpdesk.api.errors import invalid, not_found
from helpdesk.api.fields import read_object, text_field
from helpdesk.api.jsonio import json_response
from helpdesk.api.routes import RouteTable, path
from helpdesk.api.signing import MIN_SECRET, new_secret
from helpdesk.api.tokens import Scope
from helpdesk.api.webhook_events import WebhookEvent
from storage.webhooks_out import WebhookSubscription

ROUTES = RouteTable()
TAG = "Webhooks"
EVENTS = [e.value for e in WebhookEvent]
SUBSCRIPTION_ID = path("subscription_id", "Subscription id, as returned on creation.")


def _url(data: dict[str, Any]) -> str:
    url = text_field(data, "url", required=True, max_len=2000) or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid(
            "'url' must be an absolute http(s) URL, e.g. https://crm.example.com/hooks/helpdesk.", "url"
        )
    return url


def _events(data: dict[str, Any]) -> tuple[str, ...]:
    value = data.get("events")
    if not isinstance(value, list) or not value or not all(isinstance(e, str) for e in value):
        raise invalid(f"'events' must be a non-empty list of: {', '.join(EVENTS)}.", "events")
    unknown = [e for e in value if e not in EVENTS]
    if unknown:
        raise invalid(f"Unknown event {', '.join(unknown)}; choose from {', '.join(EVENTS)}.", "events")
    return tuple(dict.fromkeys(value))


@ROUTES.route(
    "POST",
    "/api/webhooks",
    summary="Subscribe to ticket events",
    tag=TAG,
    scope=Scope.WEBHOOKS_ADMIN,
    body="WebhookCreate",
    ok=201,
    response="WebhookCreated",
    errors=(400, 422),
)
async def create_webhook(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Create a subscription; the answer shows the signing secret once - store it."""
    data = await read_object(request, ("url", "events", "secret", "description"))
    url = _url(data)
    events = _events(data)
    secret = text_field(data, "secret", max_len=128) or new_secret()
    if len(secret) < MIN_SECRET:
        raise invalid(f"'secret' must have at least {MIN_SECRET} characters (or leave it out).", "secret")
    subscription = WebhookSubscription(
        id=f"wh-{uuid.uuid4().hex[:16]}",
        url=url,
        events=events,
        secret=secret,
        created_at=ctx.clock(),
        description=text_field(data, "description", max_len=200),
        created_by=principal.name,
    )
    async with ctx.rt.uows() as uow:
        await uow.webhooks.add(subscription)
        await audit.record(
            uow, principal, request, ctx.clock(), "webhook.create", subscription.id, {"url": url}
        )
        await uow.commit()
    return json_response({**serialize.subscription(subscription), "secret": secret}, status=201)


@ROUTES.route(
    "GET",
    "/api/webhooks",
    summary="List webhook subscriptions",
    tag=TAG,
    scope=Scope.WEBHOOKS_ADMIN,
    response="WebhookList",
)
async def list_webhooks(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Every subscription, oldest first (secrets are not shown)."""
    async with ctx.rt.uows() as uow:
        items = await uow.webhooks.list()
    return json_response({"items": [serialize.subscription(s) for s in items]})


@ROUTES.route(
    "DELETE",
    "/api/webhooks/{subscription_id}",
    summary="Delete a webhook subscription",
    tag=TAG,
    scope=Scope.WEBHOOKS_ADMIN,
    params=(SUBSCRIPTION_ID,),
    ok=204,
    errors=(404,),
)
async def delete_webhook(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Delete a subscription; deliveries still queued for it are dropped."""
    subscription_id = request.match_info["subscription_id"]
    async with ctx.rt.uows() as uow:
        if not await uow.webhooks.delete(subscription_id):
            raise not_found(f"No webhook subscription {subscription_id!r}; see GET /api/webhooks.")
        await audit.record(uow, principal, request, ctx.clock(), "webhook.delete", subscription_id)
        await uow.commit()
    return web.Response(status=204)
