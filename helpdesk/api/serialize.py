"""Domain objects as the JSON the API returns; the OpenAPI schemas in `helpdesk.api.schemas` describe them."""

from __future__ import annotations

from typing import Any

from kb_search.model import Article, ArticleVersion
from storage.webhooks_out import WebhookSubscription
from ticket_core.equipment.model import Unit
from ticket_core.model import Client, Comment, Contract, Site, StaffMember, Ticket


def article(a: Article) -> dict[str, Any]:
    """An article with its current version."""
    return {
        "id": a.id,
        "title": a.title,
        "body": a.body,
        "audience": a.audience,
        "lang": a.lang,
        "tags": list(a.tags),
        "status": str(a.status),
        "version": a.version,
        "updated_at": a.updated_at,
        "updated_by": a.updated_by,
    }


def version(v: ArticleVersion) -> dict[str, Any]:
    """One saved version of an article and who made it."""
    return {
        "version": v.version,
        "action": v.action,
        "author": v.author,
        "at": v.at,
        "title": v.title,
        "body": v.body,
        "audience": v.audience,
        "lang": v.lang,
        "tags": list(v.tags),
        "status": str(v.status),
    }


def ticket(t: Ticket) -> dict[str, Any]:
    """A ticket's fields (attachments as kind, file id and caption)."""
    return {
        "id": t.id,
        "number": t.number,
        "ref": t.ref,
        "status": str(t.status),
        "priority": str(t.priority),
        "category": t.category,
        "description": t.description,
        "client_id": t.client_id,
        "contact_id": t.contact_id,
        "site_id": t.site_id,
        "address": t.address,
        "lat": t.lat,
        "lon": t.lon,
        "assignee_id": t.assignee_id,
        "source_channel": t.source_channel,
        "attachments": [{"kind": a.kind, "file_id": a.file_id, "caption": a.caption} for a in t.attachments],
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "offered_at": t.offered_at,
        "accepted_at": t.accepted_at,
        "started_at": t.started_at,
        "on_hold_at": t.on_hold_at,
        "resolved_at": t.resolved_at,
        "closed_at": t.closed_at,
        "cancelled_at": t.cancelled_at,
        "reopened_at": t.reopened_at,
        "first_response_at": t.first_response_at,
        "resolution_note": t.resolution_note,
        "time_spent_min": t.time_spent_min,
        "rating": t.rating,
        "rating_comment": t.rating_comment,
        "reopen_count": t.reopen_count,
        "min_level": t.min_level,
        "version": t.version,
    }


def comment(c: Comment) -> dict[str, Any]:
    """A comment with its author."""
    return {
        "id": c.id,
        "text": c.text,
        "visibility": str(c.visibility),
        "created_at": c.created_at,
        "author": {"role": str(c.author.role), "id": c.author.id, "name": c.author.name},
    }


def event(row: dict[str, Any]) -> dict[str, Any]:
    """One audit event of a ticket, as the event log stores it."""
    actor = row.get("actor") or {}
    return {
        "id": row.get("id"),
        "name": row["name"],
        "at": row["at"],
        "actor": {"role": actor.get("role"), "id": actor.get("id"), "name": actor.get("name")},
        "data": row.get("data") or {},
    }


def engineer(member: StaffMember, active_jobs: int) -> dict[str, Any]:
    """An engineer with skills, shift and current load."""
    return {
        "id": member.id,
        "name": member.name,
        "role": str(member.role),
        "skills": list(member.skills),
        "level": member.level,
        "on_shift": member.on_shift,
        "max_parallel_jobs": member.max_parallel_jobs,
        "active_jobs": active_jobs,
        "lang": member.lang,
        "phone": member.phone,
        "regions": list(member.regions),
        "timezone": member.timezone,
        "working_hours": member.working_hours.spec() if member.working_hours else None,
    }


def site(s: Site) -> dict[str, Any]:
    """A client's site."""
    return {
        "id": s.id,
        "name": s.name,
        "address": s.address,
        "lat": s.lat,
        "lon": s.lon,
        "timezone": s.timezone,
        "region": s.region,
    }


def contract(k: Contract | None) -> dict[str, Any] | None:
    """A client's active contract, or None."""
    if k is None:
        return None
    return {
        "id": k.id,
        "name": k.name,
        "categories": list(k.categories),
        "preferred_engineers": list(k.preferred_engineers),
        "excluded_engineers": list(k.excluded_engineers),
        "active": k.active,
    }


def client(c: Client, sites: list[Site], k: Contract | None) -> dict[str, Any]:
    """A client with its sites and active contract."""
    return {
        "id": c.id,
        "name": c.name,
        "kind": c.kind,
        "created_at": c.created_at,
        "sites": [site(s) for s in sites],
        "contract": contract(k),
    }


def subscription(s: WebhookSubscription) -> dict[str, Any]:
    """A webhook subscription; the secret is never shown after creation."""
    return {
        "id": s.id,
        "url": s.url,
        "events": list(s.events),
        "description": s.description,
        "created_at": s.created_at,
        "created_by": s.created_by,
    }


def unit(u: Unit) -> dict[str, Any]:
    """An equipment unit (the API, and `helpdesk equipment list --json`)."""
    return {
        "id": u.id,
        "code": u.code,
        "client_id": u.client_id,
        "site_id": u.site_id,
        "type": u.type_id,
        "name": u.name,
        "model": u.model,
        "serial": u.serial,
        "inventory_no": u.inventory_no,
        "installed_on": u.installed_on.isoformat() if u.installed_on else None,
        "warranty_until": u.warranty_until.isoformat() if u.warranty_until else None,
        "location": u.location,
        "contact": u.contact,
        "photos": list(u.photos),
        "fields": dict(u.fields),
        "status": str(u.status),
    }
