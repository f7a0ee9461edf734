"""Audit events of the equipment registry (the event log keeps them with the tickets' events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ticket_core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class EquipmentTypeSaved(DomainEvent):
    name: ClassVar[str] = "equipment_type_saved"
    type_id: str
    category: str
    fields: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class UnitsImported(DomainEvent):
    name: ClassVar[str] = "units_imported"
    created: int
    updated: int
    unit_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class UnitStatusChanged(DomainEvent):
    name: ClassVar[str] = "unit_status_changed"
    unit_id: str
    old: str
    new: str


@dataclass(frozen=True, kw_only=True)
class UnitReported(DomainEvent):
    """A ticket was opened on a unit (by a sticker, an alert or a person who picked it)."""

    name: ClassVar[str] = "unit_reported"
    unit_id: str
    visitor: bool = False
    via: str = "chat"


@dataclass(frozen=True, kw_only=True)
class PartsRecorded(DomainEvent):
    name: ClassVar[str] = "parts_recorded"
    unit_id: str
    parts: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class AlertReceived(DomainEvent):
    """A monitoring alert reached a ticket: it opened it, repeated on it, or said the problem recovered."""

    name: ClassVar[str] = "alert_received"
    fingerprint: str
    state: str
    severity: str
    outcome: str
    count: int = 1


@dataclass(frozen=True, kw_only=True)
class UnitSaved(DomainEvent):
    """One unit was created or edited (in the admin or through the API), with the fields that changed."""

    name: ClassVar[str] = "unit_saved"
    unit_id: str
    created: bool
    changed: list[str] = field(default_factory=list)
