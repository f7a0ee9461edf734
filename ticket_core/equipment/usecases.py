"""Use cases of the equipment registry: who may do what, checked here, and an audit event for each change."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ticket_core.enums import Role
from ticket_core.equipment import csv_io
from ticket_core.equipment.csv_io import LineError, UnitRow, line_error
from ticket_core.equipment.events import EquipmentTypeSaved, PartsRecorded, UnitsImported, UnitStatusChanged
from ticket_core.equipment.model import (
    FIELD_NAME,
    TYPE_ID,
    EquipmentType,
    PartReplaced,
    Unit,
    UnitFilter,
    UnitStatus,
    UnitTicket,
    new_code,
)
from ticket_core.errors import Forbidden, NotFound, ValidationFailed, ValueRefused
from ticket_core.model import Actor, Site
from ticket_core.ports import UnitOfWork
from ticket_core.usecases._common import require_utc

MANAGERS = (Role.ADMIN, Role.SUPERVISOR, Role.SYSTEM)
MAX_FIELDS = 20
MAX_ERRORS_SHOWN = 1000


class ImportRejected(ValidationFailed):
    """A CSV file with bad lines: nothing was imported; `errors` names every bad line."""

    code = "import_rejected"

    def __init__(self, errors: Sequence[LineError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        shown = "\n".join(str(e) for e in self.errors[:MAX_ERRORS_SHOWN])
        more = len(self.errors) - MAX_ERRORS_SHOWN
        tail = f"\n... and {more} more" if more > 0 else ""
        super().__init__(
            f"Nothing was imported: {len(self.errors)} bad line(s). Fix them and import the file again.\n"
            f"{shown}{tail}"
        )


@dataclass(frozen=True, slots=True)
class ImportResult:
    """How many units an import created and updated."""

    created: int
    updated: int


@dataclass(frozen=True, slots=True)
class UnitCard:
    """A unit with what people want to see beside it."""

    unit: Unit
    type: EquipmentType | None
    site: Site | None
    history: list[UnitTicket]
    parts: list[PartReplaced]


def require_manager(actor: Actor) -> None:
    """Only admins and supervisors (and the system: the CLI, imports) change the registry."""
    if actor.role not in MANAGERS:
        raise Forbidden("Only admins and supervisors manage the equipment registry.")


async def save_type(uow: UnitOfWork, actor: Actor, equipment_type: EquipmentType, now: datetime) -> None:
    """Create or change an equipment type.

    Raises:
        Forbidden: the actor is not an admin, supervisor or the system.
        ValidationFailed: a malformed id, an empty name or category, or a bad custom field name.
    """
    require_utc(now)
    require_manager(actor)
    t = equipment_type
    if not TYPE_ID.match(t.id):
        raise ValidationFailed("Type id '{id}': use up to 32 lowercase letters, digits, - or _.", id=t.id)
    if not (t.name_ru.strip() and t.name_en.strip() and t.category.strip()):
        raise ValidationFailed("A type needs a Russian name, an English name and a ticket category.")
    bad = [f for f in t.fields if not FIELD_NAME.match(f)]
    if bad or len(t.fields) > MAX_FIELDS or len(set(t.fields)) != len(t.fields):
        raise ValidationFailed(
            "Custom fields: at most {max_fields} distinct lowercase names (a-z, 0-9, _); bad: {bad}.",
            max_fields=MAX_FIELDS,
            bad=", ".join(bad) or "-",
        )
    await uow.equipment.save_type(t)
    uow.record(
        EquipmentTypeSaved(
            ticket_id=None, actor=actor, at=now, type_id=t.id, category=t.category, fields=list(t.fields)
        )
    )


async def import_units(uow: UnitOfWork, actor: Actor, text: str, now: datetime) -> ImportResult:
    """Import a CSV file of units: all of it, or (when any line is bad) nothing.

    Raises:
        Forbidden: the actor may not manage the registry.
        ImportRejected: the file has bad lines; every one is named by its line number.
    """
    require_utc(now)
    require_manager(actor)
    rows, errors = csv_io.parse(text)
    if not rows and not errors:
        raise ImportRejected([line_error(2, "the file has no units")])
    checked = await check_rows(uow, rows, errors)
    if errors:
        raise ImportRejected(errors)
    existing = await uow.equipment.get_many([r.id for r in rows if r.id])
    new: list[Unit] = []
    changed: list[Unit] = []
    for row in rows:
        client_id = checked[row.site_id]
        old = existing.get(row.id) if row.id else None
        unit = unit_from_row(row, client_id, old, now)
        (changed if old is not None else new).append(unit)
    if new:
        await uow.equipment.add_units(new)
    if changed:
        await uow.equipment.update_units(changed)
    uow.record(
        UnitsImported(
            ticket_id=None,
            actor=actor,
            at=now,
            created=len(new),
            updated=len(changed),
            unit_ids=[u.id for u in new + changed][:1000],
        )
    )
    return ImportResult(created=len(new), updated=len(changed))


async def check_rows(uow: UnitOfWork, rows: list[UnitRow], errors: list[LineError]) -> dict[str, str]:
    """Check what the rows refer to (sites, types, ids, inventory numbers); return site id -> client id.

    Each bad row adds a `LineError` to `errors`.
    """
    types = {t.id: t for t in await uow.equipment.list_types()}
    sites: dict[str, str] = {}
    for site_id in {r.site_id for r in rows}:
        site = await uow.directory.get_site(site_id)
        if site is not None:
            sites[site_id] = site.client_id
    existing = await uow.equipment.get_many([r.id for r in rows if r.id])
    taken = await uow.equipment.inventory_numbers(sorted(set(sites.values())))
    seen_ids: dict[str, int] = {}
    seen_inventory: dict[tuple[str, str], int] = {}
    for row in rows:
        problems: list[ValueRefused] = []
        if row.site_id not in sites:
            problems.append(ValueRefused("no site '{site}'", site=row.site_id))
        equipment_type = types.get(row.type_id)
        if equipment_type is None:
            if types:
                problems.append(
                    ValueRefused(
                        "no equipment type '{type}' (types: {known})",
                        type=row.type_id,
                        known=", ".join(sorted(types)),
                    )
                )
            else:
                problems.append(
                    ValueRefused(
                        "no equipment type '{type}' (types: none yet: add one with `helpdesk equipment type`)",
                        type=row.type_id,
                    )
                )
        elif (wrong := csv_io.check_fields(row, equipment_type)) is not None:
            problems.append(wrong)
        if row.id:
            if row.id in seen_ids:
                problems.append(
                    ValueRefused("id {id} is also on line {line}", id=row.id, line=seen_ids[row.id])
                )
            seen_ids[row.id] = row.line
            old = existing.get(row.id)
            if old is not None and row.site_id in sites and sites[row.site_id] != old.client_id:
                problems.append(
                    ValueRefused(
                        "unit {id} belongs to another client; it cannot move to {site}",
                        id=row.id,
                        site=row.site_id,
                    )
                )
        if row.inventory_no and row.site_id in sites:
            key = (sites[row.site_id], row.inventory_no)
            if key in seen_inventory:
                problems.append(
                    ValueRefused(
                        "inventory number {number} is also on line {line}",
                        number=row.inventory_no,
                        line=seen_inventory[key],
                    )
                )
            elif taken.get(key) not in (None, row.id):
                problems.append(
                    ValueRefused(
                        "inventory number {number} is already registered to another unit",
                        number=row.inventory_no,
                    )
                )
            seen_inventory[key] = row.line
        if problems:
            errors.append(LineError(row.line, tuple(problems)))
    return sites


def unit_from_row(row: UnitRow, client_id: str, old: Unit | None, now: datetime) -> Unit:
    """The unit a checked row makes: a new one, or `old` with the row's values (its id, code and birth kept)."""
    return Unit(
        id=old.id if old else (row.id or uuid.uuid4().hex),
        code=old.code if old else new_code(),
        client_id=client_id,
        site_id=row.site_id,
        type_id=row.type_id,
        name=row.name,
        created_at=old.created_at if old else now,
        updated_at=now,
        model=row.model,
        serial=row.serial,
        inventory_no=row.inventory_no,
        installed_on=row.installed_on,
        warranty_until=row.warranty_until,
        location=row.location,
        contact=row.contact,
        photos=row.photos,
        fields=dict(row.fields),
        status=row.status,
    )


async def export_units(uow: UnitOfWork, actor: Actor, where: UnitFilter) -> str:
    """The units matching the filter as CSV text (staff only)."""
    require_manager(actor)
    units = await uow.equipment.find(where, limit=1_000_000)
    return csv_io.write(units, await uow.equipment.list_types())


def visible_filter(actor: Actor, where: UnitFilter) -> UnitFilter:
    """The filter narrowed to what the actor may see: a client sees only their own company's units."""
    if actor.is_staff or actor.role is Role.SYSTEM:
        return where
    if actor.role is Role.CLIENT and actor.client_id:
        return UnitFilter(
            client_id=actor.client_id,
            site_id=where.site_id,
            type_id=where.type_id,
            status=where.status,
            text=where.text,
            warranty_expired_on=where.warranty_expired_on,
        )
    raise Forbidden("You may not see the equipment registry.")


async def list_units(
    uow: UnitOfWork, actor: Actor, where: UnitFilter, limit: int = 50, offset: int = 0
) -> tuple[list[Unit], int]:
    """A page of the units the actor may see, and how many match in all."""
    where = visible_filter(actor, where)
    return await uow.equipment.find(where, limit, offset), await uow.equipment.count(where)


async def get_unit(uow: UnitOfWork, actor: Actor, unit_id: str) -> Unit:
    """One unit the actor may see.

    Raises:
        NotFound: no such unit, or it belongs to another client (the same answer, so ids cannot be probed).
    """
    unit = await uow.equipment.get(unit_id)
    if unit is None or (actor.role is Role.CLIENT and unit.client_id != actor.client_id):
        raise NotFound("No unit {unit}. Check the id in the equipment list.", unit=unit_id)
    return unit


async def unit_card(uow: UnitOfWork, actor: Actor, unit_id: str, history: int = 50) -> UnitCard:
    """A unit with its type, site, ticket history (newest first) and parts replaced."""
    unit = await get_unit(uow, actor, unit_id)
    tickets = await uow.equipment.history(unit.id, history)
    return UnitCard(
        unit=unit,
        type=await uow.equipment.get_type(unit.type_id),
        site=await uow.directory.get_site(unit.site_id),
        history=tickets,
        parts=await uow.equipment.parts(unit.id),
    )


async def set_unit_status(
    uow: UnitOfWork, actor: Actor, unit_id: str, status: UnitStatus, now: datetime
) -> Unit:
    """Put a unit in service, under repair or retire it."""
    require_utc(now)
    require_manager(actor)
    unit = await get_unit(uow, actor, unit_id)
    old = unit.status
    if old is status:
        return unit
    unit.status, unit.updated_at = status, now
    await uow.equipment.update_units([unit])
    uow.record(
        UnitStatusChanged(ticket_id=None, actor=actor, at=now, unit_id=unit.id, old=str(old), new=str(status))
    )
    return unit


def warranty_state(unit: Unit, today: date) -> str:
    """'in', 'out' or 'unknown': whether the unit is under warranty today."""
    state = unit.in_warranty(today)
    return "unknown" if state is None else ("in" if state else "out")


MAX_STICKERS = 2000


async def sticker_units(
    uow: UnitOfWork, actor: Actor, where: UnitFilter
) -> list[tuple[Unit, EquipmentType | None, Site | None]]:
    """The units to print stickers for (not retired), with their types and sites.

    Raises:
        Forbidden: the actor may not manage the registry.
        ValidationFailed: no unit matches, or more than `MAX_STICKERS` do.
    """
    require_manager(actor)
    units = [
        u
        for u in await uow.equipment.find(where, limit=MAX_STICKERS + 1)
        if u.status is not UnitStatus.RETIRED
    ]
    if not units:
        raise ValidationFailed("No units in service match; check the site and the type.")
    if len(units) > MAX_STICKERS:
        raise ValidationFailed(
            "More than {max_units} units: print them a site or a type at a time.", max_units=MAX_STICKERS
        )
    types = {t.id: t for t in await uow.equipment.list_types()}
    sites: dict[str, Site | None] = {}
    for site_id in {u.site_id for u in units}:
        sites[site_id] = await uow.directory.get_site(site_id)
    return [(u, types.get(u.type_id), sites[u.site_id]) for u in units]


async def record_parts(
    uow: UnitOfWork, actor: Actor, ticket_id: str, parts: Sequence[tuple[str, int]], now: datetime
) -> list[PartReplaced]:
    """Record the parts replaced on the ticket's unit (nothing when the ticket is not about a unit).

    Raises:
        Forbidden: the actor is neither the ticket's engineer nor a manager.
    """
    require_utc(now)
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        raise NotFound("No such ticket.")
    if actor.role not in MANAGERS and not (actor.role is Role.ENGINEER and ticket.assignee_id == actor.id):
        raise Forbidden("Only the engineer on the job records the parts replaced.")
    linked = await uow.equipment.unit_of_ticket(ticket_id)
    if linked is None or not parts:
        return []
    recorded = [PartReplaced(linked[0], ticket_id, name, quantity, now, actor.id) for name, quantity in parts]
    await uow.equipment.add_parts(recorded)
    uow.record(
        PartsRecorded(
            ticket_id=ticket_id,
            actor=actor,
            at=now,
            unit_id=linked[0],
            parts=[f"{name} x{quantity}" for name, quantity in parts],
        )
    )
    return recorded
