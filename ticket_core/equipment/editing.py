"""Creating and editing one unit (the admin's form, the REST API): the same checks as a CSV line, one audit event.

A unit's values come as CSV columns (`site`, `type`, `name`, `model`, ..., `field:<name>`) mapped to text, so a
form, a JSON body and an import line are read and checked by the same code (`csv_io.row_from_values`,
`usecases.check_rows`), and a unit that imports also saves from the form, and the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from datetime import datetime

from ticket_core.equipment import csv_io
from ticket_core.equipment.events import UnitSaved
from ticket_core.equipment.model import Unit, UnitStatus
from ticket_core.equipment.usecases import (
    check_rows,
    get_unit,
    require_manager,
    set_unit_status,
    unit_from_row,
)
from ticket_core.errors import FormProblems, ValidationFailed
from ticket_core.model import Actor
from ticket_core.ports import UnitOfWork
from ticket_core.usecases._common import require_utc

_COMPARED = tuple(
    f.name for f in dataclass_fields(Unit) if f.name not in ("id", "code", "created_at", "updated_at")
)


def unit_values(unit: Unit) -> dict[str, str]:
    """A unit as the column -> text mapping `save_unit` takes (what an edit form starts from)."""
    values = {
        "site": unit.site_id,
        "type": unit.type_id,
        "name": unit.name,
        "model": unit.model or "",
        "serial": unit.serial or "",
        "inventory_no": unit.inventory_no or "",
        "installed_on": unit.installed_on.isoformat() if unit.installed_on else "",
        "warranty_until": unit.warranty_until.isoformat() if unit.warranty_until else "",
        "location": unit.location or "",
        "contact": unit.contact or "",
        "status": unit.status.value,
        "photos": " ".join(unit.photos),
    }
    values.update({csv_io.FIELD_PREFIX + k: v for k, v in unit.fields.items()})
    return values


async def save_unit(
    uow: UnitOfWork, actor: Actor, values: Mapping[str, str], now: datetime, unit_id: str | None = None
) -> Unit:
    """Create a unit (`unit_id` None) or change one, from its values as CSV columns.

    Every value given replaces the unit's; a column that is left out keeps nothing (the form and the API send
    the whole unit). Retiring through here is allowed and audited as a status change too.

    Raises:
        Forbidden: the actor may not manage the registry.
        NotFound: no unit `unit_id`.
        ValidationFailed: what is wrong, field by field (the same words as an import's line errors).
    """
    require_utc(now)
    require_manager(actor)
    old = await get_unit(uow, actor, unit_id) if unit_id is not None else None
    unknown = sorted(
        k
        for k in values
        if k not in csv_io.REQUIRED + csv_io.OPTIONAL and not k.startswith(csv_io.FIELD_PREFIX)
    )
    if unknown:
        raise ValidationFailed(
            "Unknown field(s): {unknown}; custom fields are written field:<name>.", unknown=", ".join(unknown)
        )
    text = {k: (v or "").strip() for k, v in values.items() if k not in ("id", "code")}
    if old is not None:
        text["id"] = old.id
    row, errors = csv_io.row_from_values(0, text)
    if row is not None:
        checked = await check_rows(uow, [row], errors)
    if errors or row is None:
        problems = [ValidationFailed(p.template, **p.params) for e in errors for p in e.problems]
        if not problems:
            raise ValidationFailed("The unit could not be saved.")
        # The import's line checks, each said in the reader's language (`dialogue.refusals`).
        raise FormProblems(problems)
    unit = unit_from_row(row, checked[row.site_id], old, now)
    changed: list[str] = []
    if old is not None:
        before, after = asdict(old), asdict(unit)
        changed = [name for name in _COMPARED if before[name] != after[name]]
    if old is None:
        await uow.equipment.add_units([unit])
    elif changed:
        if old.status is not unit.status:
            # The status goes through its own use case (and its audit event); the rest is saved below.
            await set_unit_status(uow, actor, old.id, unit.status, now)
        await uow.equipment.update_units([unit])
    if old is None or changed:
        uow.record(
            UnitSaved(
                ticket_id=None, actor=actor, at=now, unit_id=unit.id, created=old is None, changed=changed
            )
        )
    return unit


async def retire_unit(uow: UnitOfWork, actor: Actor, unit_id: str, now: datetime) -> Unit:
    """Retire a unit: it keeps its history and code, gets no stickers and a scan of it is not accepted."""
    return await set_unit_status(uow, actor, unit_id, UnitStatus.RETIRED, now)
