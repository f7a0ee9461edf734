"""`SqlEquipmentRepository`: equipment types, units, tickets on units and parts replaced."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from storage.equipment_tables import (
    alert_threads,
    equipment_parts,
    equipment_tickets,
    equipment_types,
    equipment_units,
)
from storage.repositories._sql import upsert_insert
from storage.tables import tickets
from storage.text_match import contains_text
from ticket_core.equipment.model import (
    AlertThread,
    EquipmentType,
    PartReplaced,
    Unit,
    UnitFault,
    UnitFilter,
    UnitStatus,
    UnitTicket,
)

_UPDATABLE = (
    "client_id",
    "site_id",
    "type_id",
    "name",
    "model",
    "serial",
    "inventory_no",
    "installed_on",
    "warranty_until",
    "location",
    "contact",
    "photos",
    "fields",
    "status",
    "updated_at",
)


# An alert's statements, built once (building a statement costs more CPU than running it: #19's alert bench).
_U, _T = equipment_units.c, equipment_types.c
_FIND_WITH_TYPE = (
    select(equipment_units, *(c.label(f"t_{c.name}") for c in equipment_types.c))
    .outerjoin(equipment_types, _T.id == _U.type_id)
    .where(or_(_U.code == bindparam("ref"), _U.id == bindparam("ref")))
    .order_by((_U.code == bindparam("ref")).desc())
    .limit(1)
)
_LOCK_ALERT = select(alert_threads).where(alert_threads.c.fingerprint == bindparam("fp")).with_for_update()
_ALERT_FIELDS = ("ticket_id", "state", "alerts", "first_at", "last_at", "unit_id", "summary")
_SAVE_ALERT = (
    update(alert_threads)
    .where(alert_threads.c.fingerprint == bindparam("fp"))
    .values({name: bindparam(f"v_{name}", type_=alert_threads.c[name].type) for name in _ALERT_FIELDS})
)


def _type(row: Mapping[Any, Any]) -> EquipmentType:
    return EquipmentType(
        id=row["id"],
        name_ru=row["name_ru"],
        name_en=row["name_en"],
        category=row["category"],
        fields=tuple(row["fields"] or ()),
        resolve_on_recovery=bool(row["resolve_on_recovery"]),
    )


def _unit(row: RowMapping) -> Unit:
    return Unit(
        id=row["id"],
        code=row["code"],
        client_id=row["client_id"],
        site_id=row["site_id"],
        type_id=row["type_id"],
        name=row["name"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        model=row["model"],
        serial=row["serial"],
        inventory_no=row["inventory_no"],
        installed_on=row["installed_on"],
        warranty_until=row["warranty_until"],
        location=row["location"],
        contact=row["contact"],
        photos=tuple(row["photos"] or ()),
        fields=dict(row["fields"] or {}),
        status=UnitStatus(row["status"]),
    )


def _values(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "code": unit.code,
        "client_id": unit.client_id,
        "site_id": unit.site_id,
        "type_id": unit.type_id,
        "name": unit.name,
        "model": unit.model,
        "serial": unit.serial,
        "inventory_no": unit.inventory_no,
        "installed_on": unit.installed_on,
        "warranty_until": unit.warranty_until,
        "location": unit.location,
        "contact": unit.contact,
        "photos": list(unit.photos),
        "fields": dict(unit.fields),
        "status": str(unit.status),
        "created_at": unit.created_at,
        "updated_at": unit.updated_at,
    }


def _where(stmt: Select[Any], f: UnitFilter) -> Select[Any]:
    u = equipment_units.c
    if f.client_id is not None:
        stmt = stmt.where(u.client_id == f.client_id)
    if f.site_id is not None:
        stmt = stmt.where(u.site_id == f.site_id)
    if f.type_id is not None:
        stmt = stmt.where(u.type_id == f.type_id)
    if f.status is not None:
        stmt = stmt.where(u.status == str(f.status))
    if f.warranty_expired_on is not None:
        stmt = stmt.where(u.warranty_until < f.warranty_expired_on)
    if f.text:
        stmt = stmt.where(
            or_(*(contains_text(col, f.text) for col in (u.name, u.model, u.serial, u.inventory_no)))
        )
    return stmt


class SqlEquipmentRepository:
    """Implements `ticket_core.equipment.ports.EquipmentRepository` on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save_type(self, equipment_type: EquipmentType) -> None:
        """Insert or replace a type."""
        t = equipment_type
        values = {
            "name_ru": t.name_ru,
            "name_en": t.name_en,
            "category": t.category,
            "fields": list(t.fields),
            "resolve_on_recovery": t.resolve_on_recovery,
        }
        result = await self.session.execute(
            update(equipment_types).where(equipment_types.c.id == t.id).values(**values)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            await self.session.execute(equipment_types.insert().values(id=t.id, **values))

    async def get_type(self, type_id: str) -> EquipmentType | None:
        """A type by id."""
        row = (
            (await self.session.execute(select(equipment_types).where(equipment_types.c.id == type_id)))
            .mappings()
            .first()
        )
        return _type(row) if row else None

    async def list_types(self) -> list[EquipmentType]:
        """Every type, by id."""
        rows = await self.session.execute(select(equipment_types).order_by(equipment_types.c.id))
        return [_type(r) for r in rows.mappings()]

    async def add_units(self, units: Sequence[Unit]) -> None:
        """Insert new units in one executemany."""
        if units:
            await self.session.execute(equipment_units.insert(), [_values(u) for u in units])

    async def update_units(self, units: Sequence[Unit]) -> None:
        """Save changed units (every field but id, code and created_at)."""
        if not units:
            return
        stmt = (
            update(equipment_units)
            .where(equipment_units.c.id == bindparam("unit_id"))
            .values({name: bindparam(f"v_{name}") for name in _UPDATABLE})
        )
        rows = [
            {"unit_id": u.id, **{f"v_{k}": v for k, v in _values(u).items() if k in _UPDATABLE}}
            for u in units
        ]
        await self.session.execute(stmt, rows)

    async def get(self, unit_id: str) -> Unit | None:
        """A unit by id."""
        found = await self.get_many([unit_id])
        return found.get(unit_id)

    async def get_by_code(self, code: str) -> Unit | None:
        """The unit whose sticker carries this code."""
        row = (
            (await self.session.execute(select(equipment_units).where(equipment_units.c.code == code)))
            .mappings()
            .first()
        )
        return _unit(row) if row else None

    async def find_with_type(self, code_or_id: str) -> tuple[Unit, EquipmentType | None] | None:
        """The unit whose sticker code (else id) this is, with its type: one statement (an alert's first)."""
        row = (await self.session.execute(_FIND_WITH_TYPE, {"ref": code_or_id})).mappings().first()
        if row is None:
            return None
        found_type = _type({c.name: row[f"t_{c.name}"] for c in equipment_types.c}) if row["t_id"] else None
        return _unit(row), found_type

    async def get_many(self, unit_ids: Sequence[str]) -> dict[str, Unit]:
        """The units of these ids that exist, by id."""
        found: dict[str, Unit] = {}
        ids = sorted(set(unit_ids))
        for start in range(0, len(ids), 500):
            stmt = select(equipment_units).where(equipment_units.c.id.in_(ids[start : start + 500]))
            for row in (await self.session.execute(stmt)).mappings():
                found[row["id"]] = _unit(row)
        return found

    async def inventory_numbers(self, client_ids: Sequence[str]) -> dict[tuple[str, str], str]:
        """(client id, inventory number) -> unit id for these clients' numbered units."""
        if not client_ids:
            return {}
        u = equipment_units.c
        stmt = select(u.client_id, u.inventory_no, u.id).where(
            u.client_id.in_(list(client_ids)), u.inventory_no.is_not(None)
        )
        return {(r.client_id, r.inventory_no): r.id for r in await self.session.execute(stmt)}

    async def find(self, where: UnitFilter, limit: int = 50, offset: int = 0) -> list[Unit]:
        """Units matching the filter, by site, then name, then id."""
        u = equipment_units.c
        stmt = _where(select(equipment_units), where).order_by(u.site_id, u.name, u.id)
        rows = await self.session.execute(stmt.limit(limit).offset(offset))
        return [_unit(r) for r in rows.mappings()]

    async def count(self, where: UnitFilter) -> int:
        """How many units match the filter."""
        stmt = _where(select(func.count()).select_from(equipment_units), where)
        return int((await self.session.execute(stmt)).scalar_one())

    async def link_ticket(self, ticket_id: str, unit_id: str, *, visitor: bool) -> None:
        """Record that a ticket is about a unit."""
        await self.session.execute(
            equipment_tickets.insert().values(ticket_id=ticket_id, unit_id=unit_id, visitor=visitor)
        )

    async def unit_of_ticket(self, ticket_id: str) -> tuple[str, bool] | None:
        """(unit id, visitor) of a ticket reported on a unit."""
        e = equipment_tickets.c
        row = (
            await self.session.execute(select(e.unit_id, e.visitor).where(e.ticket_id == ticket_id))
        ).first()
        return (row.unit_id, bool(row.visitor)) if row else None

    async def history(self, unit_id: str, limit: int = 50) -> list[UnitTicket]:
        """Tickets on a unit, newest first."""
        e, t = equipment_tickets.c, tickets.c
        stmt = (
            select(e.ticket_id, e.visitor, t.number, t.category, t.status, t.created_at, t.description)
            .join(tickets, t.id == e.ticket_id)
            .where(e.unit_id == unit_id)
            .order_by(t.created_at.desc(), t.number.desc())
            .limit(limit)
        )
        return [
            UnitTicket(
                ticket_id=r.ticket_id,
                unit_id=unit_id,
                number=r.number,
                category=r.category,
                status=r.status,
                created_at=r.created_at,
                visitor=bool(r.visitor),
                description=r.description or "",
            )
            for r in await self.session.execute(stmt)
        ]

    async def faults(self, since: datetime, until: datetime) -> list[UnitFault]:
        """Tickets on units opened in [since, until), with their units' type, model and warranty."""
        e, t, u = equipment_tickets.c, tickets.c, equipment_units.c
        stmt = (
            select(
                u.id,
                u.name,
                u.type_id,
                u.model,
                u.warranty_until,
                t.id.label("ticket_id"),
                t.number,
                t.status,
                t.created_at,
                t.resolved_at,
                (func.coalesce(t.source_channel, "") == "maintenance").label("planned"),
            )
            .select_from(
                equipment_tickets.join(tickets, t.id == e.ticket_id).join(equipment_units, u.id == e.unit_id)
            )
            .where(t.created_at >= since, t.created_at < until)
            .order_by(u.id, t.created_at, t.number)
        )
        return [
            UnitFault(
                r.id,
                r.name,
                r.type_id,
                r.model,
                r.warranty_until,
                r.ticket_id,
                r.number,
                r.status,
                r.created_at,
                r.resolved_at,
                bool(r.planned),
            )
            for r in await self.session.execute(stmt)
        ]

    async def add_parts(self, parts: Sequence[PartReplaced]) -> None:
        """Record parts replaced."""
        if parts:
            await self.session.execute(
                equipment_parts.insert(),
                [
                    {
                        "unit_id": p.unit_id,
                        "ticket_id": p.ticket_id,
                        "part": p.part,
                        "quantity": p.quantity,
                        "recorded_at": p.recorded_at,
                        "recorded_by": p.recorded_by,
                    }
                    for p in parts
                ],
            )

    async def parts(self, unit_id: str) -> list[PartReplaced]:
        """Parts replaced on a unit, newest first."""
        p = equipment_parts.c
        stmt = select(equipment_parts).where(p.unit_id == unit_id).order_by(p.recorded_at.desc(), p.id.desc())
        return [
            PartReplaced(
                r["unit_id"], r["ticket_id"], r["part"], r["quantity"], r["recorded_at"], r["recorded_by"]
            )
            for r in (await self.session.execute(stmt)).mappings()
        ]

    async def claim_alert(self, fingerprint: str, now: datetime) -> bool:
        """Insert the fingerprint's row unless it exists; PostgreSQL makes a concurrent insert wait for ours."""
        stmt = (
            upsert_insert(self.session, alert_threads)
            .values(
                fingerprint=fingerprint, ticket_id="", state="opening", alerts=0, first_at=now, last_at=now
            )
            .on_conflict_do_nothing(index_elements=["fingerprint"])
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def lock_alert(self, fingerprint: str) -> AlertThread | None:
        """The fingerprint's row, locked (FOR UPDATE; SQLite's one writer needs no row lock)."""
        row = (await self.session.execute(_LOCK_ALERT, {"fp": fingerprint})).mappings().first()
        if row is None:
            return None
        return AlertThread(
            fingerprint=row["fingerprint"],
            ticket_id=row["ticket_id"],
            state=row["state"],
            alerts=row["alerts"],
            first_at=row["first_at"],
            last_at=row["last_at"],
            unit_id=row["unit_id"],
            summary=row["summary"],
        )

    async def save_alert(self, thread: AlertThread) -> None:
        """Save a fingerprint's row."""
        await self.session.execute(
            _SAVE_ALERT,
            {
                "fp": thread.fingerprint,
                "v_ticket_id": thread.ticket_id,
                "v_state": thread.state,
                "v_alerts": thread.alerts,
                "v_first_at": thread.first_at,
                "v_last_at": thread.last_at,
                "v_unit_id": thread.unit_id,
                "v_summary": thread.summary,
            },
        )
