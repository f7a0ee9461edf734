"""`/api/clients/{client_id}/contacts` and `/api/contacts/{contact_id}`: a client's contacts, and setting the
mail address a contact writes from, whether they are the client's manager in the portal, and their own site.

A change runs `ticket_core.usecases.contacts.update_contact_access`, the use case the web admin's client page
calls: the same checks (a mail address, nobody else's; a site of the contact's client), the same refusals, and
its `contact_changed` audit event, beside the API audit entry.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dialogue.refusals import refusal_text
from helpdesk.api import audit
from helpdesk.api.auth import Principal
from helpdesk.api.context import ApiContext
from helpdesk.api.errors import ApiError, from_domain, invalid, not_found
from helpdesk.api.fields import read_object
from helpdesk.api.jsonio import json_response
from helpdesk.api.routes import RouteTable, path, query
from helpdesk.api.tokens import Scope
from ticket_core.errors import DomainError, ValueRefused
from ticket_core.model import Contact
from ticket_core.usecases.contact_import import ContactImportRejected, import_contacts
from ticket_core.usecases.contacts import update_contact_access
from ticket_core.utc import utcnow

ROUTES = RouteTable()
TAG = "Directory"
WRITABLE = ("email", "manager", "site_id")


def contact(c: Contact) -> dict[str, Any]:
    """A contact as the API shows it."""
    return {
        "id": c.id,
        "client_id": c.client_id,
        "name": c.name,
        "phone": c.phone,
        "email": c.email,
        "lang": c.lang,
        "manager": c.manager,
        "site_id": c.site_id,
    }


@ROUTES.route(
    "GET",
    "/api/clients/{client_id}/contacts",
    summary="List a client's contacts",
    tag=TAG,
    scope=Scope.DIRECTORY_READ,
    params=(path("client_id", "Client id, e.g. acme."),),
    response="ContactList",
    errors=(404,),
)
async def list_contacts(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Every contact of one client by name, with mail address, manager flag and own site."""
    client_id = request.match_info["client_id"]
    async with ctx.rt.uows() as uow:
        if await uow.directory.get_client(client_id) is None:
            raise not_found(f"No client {client_id!r}; list them with GET /api/clients.")
        found = await uow.directory.list_contacts(client_id)
    return json_response({"items": [contact(c) for c in found]})


def _read_changes(data: dict[str, Any], current: Contact) -> tuple[str | None, bool, str | None]:
    """The body over the contact's current values: a field left out stays, null or "" clears it."""
    email, manager, site_id = current.email, current.manager, current.site_id
    if "email" in data:
        if data["email"] is not None and not isinstance(data["email"], str):
            raise invalid("'email' must be a mail address, or null to remove it.", "email")
        email = data["email"] or None
    if "manager" in data:
        if not isinstance(data["manager"], bool):
            raise invalid("'manager' must be true or false.", "manager")
        manager = data["manager"]
    if "site_id" in data:
        if data["site_id"] is not None and not isinstance(data["site_id"], str):
            raise invalid("'site_id' must be a site id of the contact's client, or null.", "site_id")
        site_id = data["site_id"] or None
    return email, manager, site_id


@ROUTES.route(
    "PATCH",
    "/api/contacts/{contact_id}",
    summary="Set a contact's mail address, portal manager flag and own site",
    tag=TAG,
    scope=Scope.DIRECTORY_WRITE,
    params=(path("contact_id", "Contact id, e.g. acme-anna."),),
    body="ContactWrite",
    response="Contact",
    errors=(400, 404, 422),
)
async def change_contact(ctx: ApiContext, request: web.Request, principal: Principal) -> web.StreamResponse:
    """Change what the body gives (`email`, `manager`, `site_id`); the rest stays. Audited."""
    data = await read_object(request, WRITABLE)
    contact_id = request.match_info["contact_id"]
    now = utcnow()
    async with ctx.rt.uows() as uow:
        current = await uow.directory.get_contact(contact_id)
        if current is None:
            raise not_found(
                f"No contact {contact_id!r}; list them with GET /api/clients/{{client_id}}/contacts."
            )
        email, manager, site_id = _read_changes(data, current)
        before = contact(current)
        try:
            changed = await update_contact_access(
                uow, principal.actor(), contact_id, now, email=email, manager=manager, site_id=site_id
            )
        except DomainError as error:
            raise from_domain(error) from None
        after = contact(changed)
        detail = {k: {"before": before[k], "after": after[k]} for k in WRITABLE if before[k] != after[k]}
        await audit.record(uow, principal, request, now, "contact.update", contact_id, detail or None)
        await uow.commit()
    return json_response(after)


def _said(error: DomainError | ValueRefused, lang: str) -> str:
    """A refusal in the asked language (English unless `lang=ru`)."""
    return (refusal_text(error, lang) if lang == "ru" else None) or str(error)


@ROUTES.route(
    "POST",
    "/api/clients/{client_id}/contacts/import",
    summary="Import a client's contacts from CSV: all lines or none",
    tag=TAG,
    scope=Scope.DIRECTORY_WRITE,
    params=(
        path("client_id", "Client id, e.g. acme."),
        query(
            "lang", "Language of the refusals: en (default) or ru.", {"type": "string", "enum": ["en", "ru"]}
        ),
    ),
    body="ContactImport",
    response="ContactImportResult",
    errors=(400, 404, 422),
)
async def import_contacts_csv(
    ctx: ApiContext, request: web.Request, principal: Principal
) -> web.StreamResponse:
    """The CSV text of one client's contacts (columns name, email, phone, manager, site, lang; header on line 1,
    `,` or `;`) in `csv`. A person known by mail address or phone is updated, a private client the bot registered
    moves to this client; when any line is bad nothing changes and the 422 lists every bad line (`lines`, each
    with its number and problems). The admin's use case (`import_contacts`): `contacts_imported` in the audit log,
    `contacts.import` in `api_audit`."""
    lang = request.query.get("lang", "en")
    if lang not in ("en", "ru"):
        raise invalid("'lang' is en or ru.", "lang")
    data = await read_object(request, ("csv",))
    text = data.get("csv")
    if not isinstance(text, str):
        raise invalid("'csv' is the CSV file's text (UTF-8), header on the first line.", "csv")
    client_id = request.match_info["client_id"]
    now = utcnow()
    async with ctx.rt.uows() as uow:
        try:
            result = await import_contacts(uow, principal.actor(), client_id, text, now)
        except ContactImportRejected as rejected:
            lines = [
                {"line": e.line, "problems": [_said(p, lang) for p in e.problems]} for e in rejected.errors
            ]
            raise ApiError(
                422, rejected.code, _said(rejected, lang), field="csv", extra={"lines": lines}
            ) from None
        except DomainError as error:
            raise from_domain(error) from None
        body = {"created": result.created, "updated": result.updated, "adopted": result.adopted}
        await audit.record(uow, principal, request, now, "contacts.import", client_id, body)
        await uow.commit()
    return json_response({"client_id": client_id, **body})
