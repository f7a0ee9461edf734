"""The OpenAPI 3.1 document, generated from the endpoint table, and a plain HTML page that lists it."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from helpdesk.api.routes import Endpoint
from helpdesk.api.schema_types import ref
from helpdesk.api.schemas import SCHEMAS
from helpdesk.api.schemas_billing import BILLING_SCHEMAS
from helpdesk.api.schemas_contacts import CONTACT_SCHEMAS
from helpdesk.api.schemas_equipment import EQUIPMENT_SCHEMAS
from helpdesk.api.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from helpdesk.api.tokens import Scope

ERROR_TEXT: dict[int, str] = {
    400: "Malformed request: bad JSON or query parameter (`error.field` names it).",
    401: "Missing, unknown or revoked token.",
    403: "The token lacks the scope this endpoint needs.",
    404: "No such thing.",
    409: "The current state does not allow this change (e.g. a stale version, a closed ticket).",
    422: "A field's value is not acceptable (`error.field` names it); nothing was changed.",
    429: "Too many requests for this token; wait `Retry-After` seconds.",
    503: "A part the endpoint needs is not running in this process.",
}
AUTH_ERRORS = (401, 403, 429)
SUCCESS_TEXT = {200: "OK", 201: "Created", 204: "Done; no content"}


def _error(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_TEXT[status],
        "content": {"application/json": {"schema": ref("Error")}},
    }
    if status == 429:
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        }
    return response


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
    }
    if endpoint.description:
        operation["description"] = endpoint.description
    if endpoint.scope is None:
        operation["security"] = []
    else:
        operation["security"] = [{"bearer": [str(endpoint.scope)]}]
        operation["x-required-scope"] = str(endpoint.scope)
    if endpoint.params:
        operation["parameters"] = [
            {
                "name": p.name,
                "in": p.where,
                "required": p.required,
                "description": p.description,
                "schema": p.schema,
            }
            for p in endpoint.params
        ]
    if endpoint.body:
        operation["requestBody"] = {
            "required": endpoint.body != "TicketCancel",
            "content": {"application/json": {"schema": ref(endpoint.body)}},
        }
    ok: dict[str, Any] = {"description": SUCCESS_TEXT.get(endpoint.ok, "OK")}
    if endpoint.response:
        ok["content"] = {"application/json": {"schema": ref(endpoint.response)}}
    responses: dict[str, Any] = {str(endpoint.ok): ok}
    statuses = set(endpoint.errors) | (set(AUTH_ERRORS) if endpoint.scope is not None else set())
    for status in sorted(statuses):
        responses[str(status)] = _error(status)
    operation["responses"] = responses
    return operation


def _webhooks() -> dict[str, Any]:
    headers = [
        (SIGNATURE_HEADER, "sha256=<hex HMAC-SHA256 of the raw body with the subscription's secret>"),
        (TIMESTAMP_HEADER, "Unix seconds when this attempt was sent; equals `sent_at` in the signed body."),
        (EVENT_HEADER, "ticket_opened, status_changed or sla_breached."),
        (DELIVERY_HEADER, "Delivery id; the same on every retry."),
    ]
    return {
        "ticketEvent": {
            "post": {
                "operationId": "ticket_event_delivery",
                "summary": "A ticket event, POSTed to each subscribed URL",
                "description": (
                    "Answer 2xx to acknowledge. Anything else (or no answer within 10 s) is retried with "
                    "exponential backoff (2 s, 4 s, 8 s, ...) up to 8 attempts; 410 Gone stops at once. "
                    "Deliveries to one URL keep their order. Delivery is at least once: deduplicate on `id`."
                ),
                "parameters": [
                    {
                        "name": name,
                        "in": "header",
                        "required": True,
                        "description": text,
                        "schema": {"type": "string"},
                    }
                    for name, text in headers
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("WebhookDelivery")}},
                },
                "responses": {"200": {"description": "Acknowledged (any 2xx)."}},
            }
        }
    }


def build_document(endpoints: Iterable[Endpoint], server_url: str = "/") -> dict[str, Any]:
    """The OpenAPI 3.1 document describing `endpoints`."""
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    scopes = "\n".join(f"- `{s}`" for s in Scope)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Helpdesk API",
            "version": "1.0.0",
            "description": (
                "Integration API of Helpdesk: knowledge base articles, tickets, the directory and webhook "
                "subscriptions. Authenticate with `Authorization: Bearer <token>`; tokens are created with "
                "`helpdesk api-token create NAME --scopes ...`. Scopes (a `:write` scope includes the "
                f"matching `:read`):\n{scopes}\n\nErrors are JSON: "
                '`{"error": {"code", "message", "field"?}}`.'
            ),
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": "Knowledge base"},
            {"name": "Tickets"},
            {"name": "Directory"},
            {"name": "Webhooks"},
            {"name": "Documentation"},
        ],
        "paths": paths,
        "webhooks": _webhooks(),
        "components": {
            "schemas": {**SCHEMAS, **BILLING_SCHEMAS, **EQUIPMENT_SCHEMAS, **CONTACT_SCHEMAS},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token; its scopes decide what it may call.",
                }
            },
        },
        "security": [{"bearer": []}],
    }


def render_html(document: dict[str, Any]) -> str:
    """A self-contained HTML page listing every endpoint of `document` (no scripts, no CDN)."""
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(document['info']['title'])}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}"
        "code,.m{font-family:ui-monospace,monospace}.op{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;"
        "margin:.8em 0}.m{font-weight:bold;display:inline-block;min-width:4.5em}.scope{color:#555;float:right}"
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:.2em .6em;text-align:left}"
        "</style></head><body>",
        f"<h1>{esc(document['info']['title'])} <small>{esc(document['info']['version'])}</small></h1>",
        "<p>Machine-readable: <a href='/api/openapi.json'>/api/openapi.json</a> (OpenAPI 3.1). "
        "Send <code>Authorization: Bearer &lt;token&gt;</code>.</p>",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path_, methods in document["paths"].items():
        for method, op in methods.items():
            by_tag.setdefault(op["tags"][0], []).append((method.upper(), path_, op))
    for tag, ops in by_tag.items():
        parts.append(f"<h2>{esc(tag)}</h2>")
        for method, path_, op in ops:
            scope = op.get("x-required-scope", "public")
            parts.append(
                f"<div class='op' id='{esc(op['operationId'])}'><span class='m'>{esc(method)}</span>"
                f"<code>{esc(path_)}</code><span class='scope'>scope: <code>{esc(scope)}</code></span>"
                f"<p><b>{esc(op['summary'])}</b>. {esc(op.get('description', ''))}</p>"
            )
            if op.get("parameters"):
                parts.append("<table><tr><th>parameter</th><th>in</th><th>description</th></tr>")
                for p in op["parameters"]:
                    parts.append(
                        f"<tr><td><code>{esc(p['name'])}</code></td><td>{esc(p['in'])}</td>"
                        f"<td>{esc(p.get('description', ''))}</td></tr>"
                    )
                parts.append("</table>")
            if "requestBody" in op:
                name = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
                parts.append(f"<p>Body: <a href='#schema-{esc(name)}'>{esc(name)}</a></p>")
            codes = ", ".join(esc(c) for c in op["responses"])
            parts.append(f"<p>Answers: {codes}</p></div>")
    parts.append("<h2>Schemas</h2>")
    for name, schema in document["components"]["schemas"].items():
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = (
            ", ".join(f"<code>{esc(k)}</code>{'*' if k in required else ''}" for k in props) or "see JSON"
        )
        parts.append(f"<p id='schema-{esc(name)}'><b>{esc(name)}</b>: {fields}</p>")
    parts.append("<p>* required</p></body></html>")
    return "".join(parts)
