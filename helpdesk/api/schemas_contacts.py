"""JSON Schemas of the contacts endpoints (helpdesk/api/handlers_contacts.py), merged into the OpenAPI document."""

from __future__ import annotations

from typing import Any

from helpdesk.api.schema_types import BOOL, STR, nullable, obj, ref

_COUNT = {"type": "integer", "minimum": 0}

_EMAIL = {"type": "string", "format": "email"}
CONTACT_SCHEMAS: dict[str, dict[str, Any]] = {
    "Contact": obj(
        {
            "id": STR,
            "client_id": STR,
            "name": STR,
            "phone": nullable(STR),
            "email": nullable(_EMAIL),
            "lang": STR,
            "manager": {
                **BOOL,
                "description": "The client's manager: sees every site's tickets in the portal.",
            },
            "site_id": nullable(STR),
        },
        ["id", "client_id", "name", "email", "manager", "site_id"],
    ),
    "ContactList": obj({"items": {"type": "array", "items": ref("Contact")}}, ["items"]),
    "ContactWrite": obj(
        {
            "email": nullable(
                {**_EMAIL, "description": 'The address they write from; null or "" removes it.'}
            ),
            "manager": BOOL,
            "site_id": nullable(
                {"type": "string", "description": "A site of the contact's client; null: none."}
            ),
        },
        closed=True,
    ),
    "ContactImport": obj(
        {
            "csv": {
                "type": "string",
                "description": "The file's text: header on line 1 (name, email, phone, manager, site, lang; "
                "Russian names too), `,` or `;`.",
            }
        },
        ["csv"],
        closed=True,
    ),
    "ContactImportResult": obj(
        {
            "client_id": STR,
            "created": _COUNT,
            "updated": _COUNT,
            "adopted": {**_COUNT, "description": "Private clients the bot registered, now this client's."},
        },
        ["client_id", "created", "updated", "adopted"],
    ),
}
