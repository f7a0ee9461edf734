"""Equipment entities: a type (which maps to a ticket category) and a unit of that type at a site."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class UnitStatus(StrEnum):
    """Where a unit is in its life."""

    IN_SERVICE = "in_service"
    UNDER_REPAIR = "under_repair"
    RETIRED = "retired"


CODE_BYTES = 9
"""A sticker code holds 72 random bits (12 URL-safe characters): nobody finds a unit by guessing."""

CODE_PATTERN = re.compile(r"\beq-([A-Za-z0-9_-]{12})(?![A-Za-z0-9_-])")
"""How a sticker code appears in a chat message (`/start eq-<code>`, WhatsApp's prefilled text)."""

TYPE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def new_code() -> str:
    """A new unguessable sticker code. Never one that starts with "-": `helpdesk equipment show <code>` (and
    every command line) would take it for an option (one code in 64 did)."""
    while True:
        code = secrets.token_urlsafe(CODE_BYTES)
        if not code.startswith("-"):
            return code


def find_code(text: str) -> str | None:
    """The sticker code in a message, if it names one."""
    match = CODE_PATTERN.search(text or "")
    return match.group(1) if match else None


@dataclass(slots=True)
class EquipmentType:
    """A kind of equipment: air conditioner, printer, server.

    Attributes:
        id: short code used in CSV files and the API, e.g. "ac".
        name_ru: the Russian name people read.
        name_en: the English name people read.
        category: the ticket category a fault on it opens (routing matches engineers' skills to it).
        fields: names of the custom fields units of this type carry (e.g. "refrigerant", "btu").
        resolve_on_recovery: a monitoring alert that resolves itself also resolves the ticket, when nobody
            has started work on it yet.
    """

    id: str
    name_ru: str
    name_en: str
    category: str
    fields: tuple[str, ...] = ()
    resolve_on_recovery: bool = False

    def name(self, lang: str) -> str:
        """The type's name in a language."""
        return self.name_ru if lang == "ru" else self.name_en


@dataclass(slots=True)
class Unit:
    """One piece of equipment at one site."""

    id: str
    code: str
    client_id: str
    site_id: str
    type_id: str
    name: str
    created_at: datetime
    updated_at: datetime
    model: str | None = None
    serial: str | None = None
    inventory_no: str | None = None
    installed_on: date | None = None
    warranty_until: date | None = None
    location: str | None = None
    contact: str | None = None
    photos: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    status: UnitStatus = UnitStatus.IN_SERVICE

    def in_warranty(self, today: date) -> bool | None:
        """True under warranty, False out of it, None when the warranty end is not known."""
        if self.warranty_until is None:
            return None
        return today <= self.warranty_until


@dataclass(frozen=True, slots=True)
class UnitFilter:
    """Which units a list shows; every given criterion must hold."""

    client_id: str | None = None
    site_id: str | None = None
    type_id: str | None = None
    status: UnitStatus | None = None
    text: str | None = None  # part of the name, model, serial or inventory number
    warranty_expired_on: date | None = None  # units whose warranty ended before this day


@dataclass(frozen=True, slots=True)
class UnitTicket:
    """A ticket reported on a unit, as the unit's history shows it."""

    ticket_id: str
    unit_id: str
    number: int
    category: str
    status: str
    created_at: datetime
    visitor: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class PartReplaced:
    """A part an engineer replaced on a unit while resolving a ticket."""

    unit_id: str
    ticket_id: str
    part: str
    quantity: int
    recorded_at: datetime
    recorded_by: str


@dataclass(slots=True)
class AlertThread:
    """The ticket that monitoring alerts of one fingerprint go to, and how many came."""

    fingerprint: str
    ticket_id: str  # "" while the first alert is opening it
    state: str
    alerts: int
    first_at: datetime
    last_at: datetime
    unit_id: str | None = None
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class UnitFault:
    """One ticket on a unit, with what the report needs of the unit."""

    unit_id: str
    unit_name: str
    type_id: str
    model: str | None
    warranty_until: date | None
    ticket_id: str
    number: int
    status: str
    opened_at: datetime
    resolved_at: datetime | None
    planned: bool = False  # opened by a maintenance plan: work, not a failure
