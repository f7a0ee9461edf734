"""JSON Schemas (OpenAPI 3.1 components) of everything the API reads and returns."""

from __future__ import annotations

from typing import Any

from helpdesk.api.schema_types import BOOL, INT, NUM, STR, TIME, list_of, nullable, obj, page_of, ref
from helpdesk.api.webhook_events import WebhookEvent
from kb_search.model import ArticleStatus
from ticket_core.enums import Priority, TicketStatus, Visibility

TAGS_IN: dict[str, Any] = {
    "anyOf": [{"type": "array", "items": STR}, STR],
    "description": "A list of tags, or one comma-separated string.",
}
ARTICLE_FIELDS: dict[str, Any] = {
    "title": {"type": "string", "maxLength": 300},
    "body": {"type": "string", "description": "Markdown."},
    "audience": {"type": "string", "description": "public, internal or client:<id>."},
    "lang": {"type": "string", "description": "Language code, e.g. ru or en."},
    "tags": TAGS_IN,
}
ACTOR = obj({"role": STR, "id": STR, "name": nullable(STR)})

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": obj(
        {
            "error": obj(
                {
                    "code": {"type": "string", "description": "Stable, for programs."},
                    "message": {"type": "string", "description": "For people: says what to do next."},
                    "field": {
                        "type": "string",
                        "description": "The input field at fault, when there is one.",
                    },
                },
                ["code", "message"],
            )
        },
        ["error"],
    ),
    "Article": obj(
        {
            "id": STR,
            "title": STR,
            "body": STR,
            "audience": STR,
            "lang": STR,
            "tags": {"type": "array", "items": STR},
            "status": {"type": "string", "enum": [s.value for s in ArticleStatus]},
            "version": INT,
            "updated_at": TIME,
            "updated_by": nullable(STR),
        },
        ["id", "title", "body", "audience", "lang", "tags", "status", "version", "updated_at"],
    ),
    "ArticlePage": page_of("Article"),
    "ArticleCreate": obj(
        {
            "id": {
                "type": "string",
                "description": "1-64 of letters, digits, _ . : -; generated when absent.",
            },
            "status": {"type": "string", "enum": [s.value for s in ArticleStatus], "default": "draft"},
            **ARTICLE_FIELDS,
        },
        ["title", "body"],
        closed=True,
    ),
    "ArticlePatch": obj(
        {
            "version": {"type": "integer", "description": "The version you read; 409 if it is stale."},
            **ARTICLE_FIELDS,
        },
        closed=True,
    ),
    "ArticleVersion": obj(
        {
            "version": INT,
            "action": {"type": "string", "enum": ["create", "edit", "publish", "unpublish", "delete"]},
            "author": nullable(STR),
            "at": TIME,
            "title": STR,
            "body": STR,
            "audience": STR,
            "lang": STR,
            "tags": {"type": "array", "items": STR},
            "status": STR,
        },
        ["version", "action", "at"],
    ),
    "ArticleVersionList": list_of("ArticleVersion"),
    "SearchResult": obj(
        {
            "confident": {
                "type": "boolean",
                "description": "Whether the bot would answer with the top hit alone.",
            },
            "confidence": NUM,
            "hits": {
                "type": "array",
                "items": obj({"id": STR, "title": STR, "snippet": STR, "score": NUM, "lang": STR}),
            },
        },
        ["confident", "confidence", "hits"],
    ),
    "Ticket": obj(
        {
            "id": STR,
            "number": INT,
            "ref": {"type": "string", "description": "What people see, e.g. HD-1042."},
            "status": {"type": "string", "enum": [s.value for s in TicketStatus]},
            "priority": {"type": "string", "enum": [p.value for p in Priority]},
            "category": STR,
            "description": STR,
            "client_id": STR,
            "contact_id": nullable(STR),
            "site_id": nullable(STR),
            "address": nullable(STR),
            "lat": nullable(NUM),
            "lon": nullable(NUM),
            "assignee_id": nullable(STR),
            "source_channel": nullable(STR),
            "attachments": {
                "type": "array",
                "items": obj({"kind": STR, "file_id": STR, "caption": nullable(STR)}),
            },
            **{
                name: nullable(TIME)
                for name in (
                    "updated_at",
                    "offered_at",
                    "accepted_at",
                    "started_at",
                    "on_hold_at",
                    "resolved_at",
                    "closed_at",
                    "cancelled_at",
                    "reopened_at",
                    "first_response_at",
                )
            },
            "created_at": TIME,
            "resolution_note": nullable(STR),
            "time_spent_min": nullable(INT),
            "rating": nullable(INT),
            "rating_comment": nullable(STR),
            "reopen_count": INT,
            "min_level": {"type": "integer", "description": "Lowest engineer level (1-3) that may take it."},
            "version": INT,
        },
        ["id", "number", "ref", "status", "priority", "category", "description", "client_id", "created_at"],
    ),
    "TicketPage": page_of("Ticket"),
    "TicketDetail": {
        "allOf": [
            ref("Ticket"),
            obj(
                {
                    "comments": {"type": "array", "items": ref("Comment")},
                    "events": {"type": "array", "items": ref("TicketEvent")},
                },
                ["comments", "events"],
            ),
        ]
    },
    "TicketCreate": obj(
        {
            "client_id": STR,
            "category": {"type": "string", "description": "e.g. it, printers, hvac, electrical."},
            "description": {"type": "string", "maxLength": 4000},
            "priority": {"type": "string", "enum": [p.value for p in Priority], "default": "P3"},
            "contact_id": {
                "type": "string",
                "description": "A contact of the client, to keep them informed.",
            },
            "site_id": {"type": "string", "description": "A site of the client; its address is used."},
            "address": STR,
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
        },
        ["client_id", "category", "description"],
        closed=True,
    ),
    "Unit": obj(
        {
            "id": STR,
            "code": {"type": "string", "description": "The sticker code (eq-<code> in chat links)."},
            "client_id": STR,
            "site_id": STR,
            "type": STR,
            "name": STR,
            "model": nullable(STR),
            "serial": nullable(STR),
            "inventory_no": nullable(STR),
            "installed_on": nullable({"type": "string", "format": "date"}),
            "warranty_until": nullable({"type": "string", "format": "date"}),
            "location": nullable(STR),
            "contact": nullable(STR),
            "photos": {"type": "array", "items": STR},
            "fields": {"type": "object", "additionalProperties": STR},
            "status": {"type": "string", "enum": ["in_service", "under_repair", "retired"]},
        },
        ["id", "code", "client_id", "site_id", "type", "name", "status"],
    ),
    "UnitPage": page_of("Unit"),
    "UnitCard": {
        "allOf": [
            ref("Unit"),
            obj(
                {
                    "warranty": {"type": "string", "enum": ["in", "out", "unknown"]},
                    "tickets": {
                        "type": "array",
                        "items": obj(
                            {"ref": STR, "status": STR, "category": STR, "created_at": TIME, "visitor": BOOL},
                            ["ref", "status", "category", "created_at", "visitor"],
                        ),
                    },
                    "parts": {
                        "type": "array",
                        "items": obj(
                            {"part": STR, "quantity": INT, "ticket_id": STR, "recorded_at": TIME},
                            ["part", "quantity", "ticket_id", "recorded_at"],
                        ),
                    },
                },
                ["warranty", "tickets", "parts"],
            ),
        ]
    },
    "AlertsIn": {
        "description": "Alertmanager's webhook body, or one alert in the generic format.",
        "anyOf": [
            obj(
                {
                    "version": STR,
                    "status": {"type": "string", "enum": ["firing", "resolved"]},
                    "alerts": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 500,
                        "items": obj(
                            {
                                "status": {"type": "string", "enum": ["firing", "resolved"]},
                                "labels": {"type": "object", "additionalProperties": STR},
                                "annotations": {"type": "object", "additionalProperties": STR},
                                "fingerprint": {"type": "string", "maxLength": 200},
                                "startsAt": STR,
                                "endsAt": STR,
                            }
                        ),
                    },
                },
                ["alerts"],
            ),
            obj(
                {
                    "unit": {"type": "string", "description": "The unit's sticker code or id."},
                    "site": {"type": "string", "description": "A site id (when no unit is named)."},
                    "severity": {"type": "string", "description": "critical, error, warning or info."},
                    "summary": {"type": "string", "maxLength": 1000},
                    "status": {"type": "string", "enum": ["firing", "resolved"], "default": "firing"},
                    "fingerprint": {"type": "string", "maxLength": 200},
                    "category": {
                        "type": "string",
                        "description": "Ticket category for an alert about a site.",
                    },
                },
                ["summary"],
                closed=True,
            ),
        ],
    },
    "AlertResults": list_of("AlertResult"),
    "AlertResult": obj(
        {
            "fingerprint": STR,
            "outcome": {
                "type": "string",
                "enum": ["opened", "added", "recovered", "resolved", "ignored", "rejected"],
            },
            "ticket": nullable(STR),
            "error": nullable(STR),
        },
        ["fingerprint", "outcome", "ticket", "error"],
    ),
    "TicketCancel": obj({"reason": {"type": "string", "maxLength": 500}}, closed=True),
    "Comment": obj(
        {
            "id": STR,
            "text": STR,
            "visibility": {"type": "string", "enum": [v.value for v in Visibility]},
            "created_at": TIME,
            "author": ACTOR,
        },
        ["id", "text", "visibility", "created_at", "author"],
    ),
    "CommentCreate": obj(
        {
            "text": {"type": "string", "maxLength": 4000},
            "visibility": {"type": "string", "enum": [v.value for v in Visibility], "default": "public"},
        },
        ["text"],
        closed=True,
    ),
    "TicketEvent": obj(
        {"id": nullable(INT), "name": STR, "at": TIME, "actor": ACTOR, "data": {"type": "object"}},
        ["name", "at", "actor", "data"],
    ),
    "Engineer": obj(
        {
            "id": STR,
            "name": STR,
            "role": STR,
            "skills": {"type": "array", "items": STR},
            "level": INT,
            "on_shift": BOOL,
            "max_parallel_jobs": INT,
            "active_jobs": INT,
            "lang": STR,
            "phone": nullable(STR),
            "regions": {"type": "array", "items": STR, "description": "Service region codes; empty: any."},
            "timezone": STR,
            "working_hours": {
                "type": ["string", "null"],
                "description": 'Weekly hours, e.g. "mon-fri 09:00-18:00; sat 10:00-14:00"; null: any time.',
            },
        },
        ["id", "name", "skills", "on_shift", "active_jobs"],
    ),
    "EngineerList": list_of("Engineer"),
    "Site": obj(
        {
            "id": STR,
            "name": STR,
            "address": STR,
            "lat": nullable(NUM),
            "lon": nullable(NUM),
            "timezone": STR,
            "region": nullable(STR),
        },
        ["id", "name", "address"],
    ),
    "Contract": obj(
        {
            "id": STR,
            "name": STR,
            "categories": {"type": "array", "items": STR},
            "preferred_engineers": {"type": "array", "items": STR},
            "excluded_engineers": {"type": "array", "items": STR},
            "active": BOOL,
        },
        ["id", "name", "categories"],
    ),
    "Client": obj(
        {
            "id": STR,
            "name": STR,
            "kind": STR,
            "created_at": nullable(TIME),
            "sites": {"type": "array", "items": ref("Site")},
            "contract": {"anyOf": [ref("Contract"), {"type": "null"}]},
        },
        ["id", "name", "sites", "contract"],
    ),
    "ClientPage": page_of("Client"),
    "WebhookCreate": obj(
        {
            "url": {"type": "string", "format": "uri"},
            "events": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "enum": [e.value for e in WebhookEvent]},
            },
            "secret": {"type": "string", "minLength": 16, "description": "Generated when absent."},
            "description": {"type": "string", "maxLength": 200},
        },
        ["url", "events"],
        closed=True,
    ),
    "Webhook": obj(
        {
            "id": STR,
            "url": STR,
            "events": {"type": "array", "items": STR},
            "description": nullable(STR),
            "created_at": TIME,
            "created_by": nullable(STR),
        },
        ["id", "url", "events", "created_at"],
    ),
    "WebhookCreated": {
        "allOf": [
            ref("Webhook"),
            obj({"secret": {"type": "string", "description": "Shown only in this answer."}}, ["secret"]),
        ]
    },
    "WebhookList": list_of("Webhook"),
    "WebhookDelivery": obj(
        {
            "id": {
                "type": "string",
                "description": "Delivery id; the same on every retry - deduplicate on it.",
            },
            "event": {"type": "string", "enum": [e.value for e in WebhookEvent]},
            "occurred_at": TIME,
            "sent_at": {
                "type": "string",
                "format": "date-time",
                "description": "Equals X-Helpdesk-Timestamp.",
            },
            "cause": {"type": "string", "description": "The domain event behind it, e.g. ticket_cancelled."},
            "actor": ACTOR,
            "ticket": {"anyOf": [ref("Ticket"), {"type": "null"}]},
            "data": {"type": "object"},
        },
        ["id", "event", "occurred_at", "sent_at", "ticket", "data"],
    ),
}
