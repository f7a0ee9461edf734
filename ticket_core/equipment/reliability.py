"""How reliable the equipment is: failures per unit and type, MTBF, MTTR, repeat faults, the worst models.

Definitions (each figure is over the tickets on units opened in the period; cancelled tickets and the
tickets of maintenance plans are not failures):

* **failures**: tickets opened on the unit in the period.
* **MTBF** (mean time between failures): the mean gap between the openings of consecutive failures of one
  unit that both fall in the period, in hours; a type's MTBF is the mean over every gap of its units. A unit with one failure has no gap:
  its MTBF is unknown (None), not infinite.
* **MTTR** (mean time to repair): the mean of resolved_at - opened_at, in hours, over the failures that are
  resolved (wall-clock time, not business hours).
* **repeat faults**: failures opened within `REPEAT_WINDOW` (30 days) after an older failure of the same unit;
  the older one may be before the period, so the data starts 30 days earlier.
* **top models**: (type, model) by failures per unit of that model that failed, then by failures.
* **out of warranty**: units whose warranty ended before the period's end, by failures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from itertools import pairwise
from statistics import fmean
from typing import Any

from ticket_core.enums import Role, TicketStatus
from ticket_core.equipment.history import REPEAT_WINDOW
from ticket_core.equipment.model import UnitFault, UnitFilter
from ticket_core.errors import Forbidden, ValidationFailed
from ticket_core.model import Actor
from ticket_core.ports import UnitOfWork

HOUR = 3600.0
TOP = 10
MAX_PERIOD_DAYS = 3660
READERS = (Role.ADMIN, Role.SUPERVISOR, Role.SYSTEM)


@dataclass(frozen=True, slots=True)
class UnitFigures:
    """One unit's figures for the period."""

    unit_id: str
    name: str
    type_id: str
    model: str | None
    failures: int
    repeats: int
    mtbf_h: float | None
    mttr_h: float | None
    out_of_warranty: bool


@dataclass(frozen=True, slots=True)
class TypeFigures:
    """One equipment type's figures: over every unit of the type (`units` counts them all, failed or not)."""

    type_id: str
    units: int
    failed_units: int
    failures: int
    failures_per_unit: float
    repeats: int
    mtbf_h: float | None
    mttr_h: float | None


@dataclass(frozen=True, slots=True)
class ModelFigures:
    """One model of one type: how many of its units failed, and how often."""

    type_id: str
    model: str
    failed_units: int
    failures: int
    failures_per_unit: float


@dataclass(frozen=True, slots=True)
class ReliabilityReport:
    """The equipment's reliability over [since, until)."""

    since: datetime
    until: datetime
    failures: int
    repeats: int
    mtbf_h: float | None
    mttr_h: float | None
    by_type: list[TypeFigures]
    by_unit: list[UnitFigures]
    top_models: list[ModelFigures]
    out_of_warranty: list[UnitFigures]


def _mean(values: Sequence[float]) -> float | None:
    return round(fmean(values), 2) if values else None


def compute(
    faults: Sequence[UnitFault], units_by_type: dict[str, int], since: datetime, until: datetime
) -> ReliabilityReport:
    """The report from the tickets on units opened in [since - 30 days, until) (pure: no database)."""
    per_unit: dict[str, list[UnitFault]] = defaultdict(list)
    for f in faults:
        if f.status != TicketStatus.CANCELLED and not f.planned and f.opened_at < until:
            per_unit[f.unit_id].append(f)
    units: list[UnitFigures] = []
    gaps_by_type: dict[str, list[float]] = defaultdict(list)
    repairs_by_type: dict[str, list[float]] = defaultdict(list)
    for unit_faults in per_unit.values():
        unit_faults.sort(key=lambda f: (f.opened_at, f.number))
        in_period = [f for f in unit_faults if f.opened_at >= since]
        if not in_period:
            continue
        first = in_period[0]
        gaps, repeats = [], 0
        for before, after in pairwise(unit_faults):
            if after.opened_at < since:
                continue
            gap = after.opened_at - before.opened_at
            repeats += gap <= REPEAT_WINDOW
            if before.opened_at >= since:
                gaps.append(gap.total_seconds() / HOUR)
        repairs = [
            (f.resolved_at - f.opened_at).total_seconds() / HOUR
            for f in in_period
            if f.resolved_at is not None
        ]
        gaps_by_type[first.type_id].extend(gaps)
        repairs_by_type[first.type_id].extend(repairs)
        units.append(
            UnitFigures(
                unit_id=first.unit_id,
                name=first.unit_name,
                type_id=first.type_id,
                model=first.model,
                failures=len(in_period),
                repeats=repeats,
                mtbf_h=_mean(gaps),
                mttr_h=_mean(repairs),
                out_of_warranty=first.warranty_until is not None and first.warranty_until < until.date(),
            )
        )
    units.sort(key=lambda u: (-u.failures, -u.repeats, u.name, u.unit_id))
    types = []
    for type_id in sorted(set(units_by_type) | {u.type_id for u in units}):
        mine = [u for u in units if u.type_id == type_id]
        failures = sum(u.failures for u in mine)
        count = max(units_by_type.get(type_id, 0), len(mine))
        types.append(
            TypeFigures(
                type_id=type_id,
                units=count,
                failed_units=len(mine),
                failures=failures,
                failures_per_unit=round(failures / count, 3) if count else 0.0,
                repeats=sum(u.repeats for u in mine),
                mtbf_h=_mean(gaps_by_type[type_id]),
                mttr_h=_mean(repairs_by_type[type_id]),
            )
        )
    models: dict[tuple[str, str], list[UnitFigures]] = defaultdict(list)
    for u in units:
        if u.model:
            models[(u.type_id, u.model)].append(u)
    top = sorted(
        (
            ModelFigures(
                t, m, len(us), sum(u.failures for u in us), round(sum(u.failures for u in us) / len(us), 3)
            )
            for (t, m), us in models.items()
        ),
        key=lambda m: (-m.failures_per_unit, -m.failures, m.type_id, m.model),
    )[:TOP]
    return ReliabilityReport(
        since=since,
        until=until,
        failures=sum(u.failures for u in units),
        repeats=sum(u.repeats for u in units),
        mtbf_h=_mean([g for gaps in gaps_by_type.values() for g in gaps]),
        mttr_h=_mean([r for repairs in repairs_by_type.values() for r in repairs]),
        by_type=types,
        by_unit=units,
        top_models=top,
        out_of_warranty=[u for u in units if u.out_of_warranty][:TOP],
    )


async def reliability_report(
    uow: UnitOfWork, actor: Actor, since: datetime, until: datetime
) -> ReliabilityReport:
    """The equipment's reliability over [since, until), for admins and supervisors (and the system).

    Raises:
        Forbidden: the actor is not staff who reads reports.
        ValidationFailed: the period is empty, reversed, not UTC-aware or over ten years.
    """
    if actor.role not in READERS:
        raise Forbidden("Only admins and supervisors read the equipment reports.")
    if since.tzinfo is None or until.tzinfo is None:
        raise ValidationFailed("The period needs time-zone-aware times.")
    if not since < until or (until - since).days > MAX_PERIOD_DAYS:
        raise ValidationFailed("The period must start before it ends and span at most ten years.")
    faults = await uow.equipment.faults(since - REPEAT_WINDOW, until)
    types = await uow.equipment.list_types()
    counts = {t.id: await uow.equipment.count(UnitFilter(type_id=t.id)) for t in types}
    return compute(faults, counts, since, until)


def as_dict(report: ReliabilityReport) -> dict[str, Any]:
    """The report as plain JSON-ready values (times as ISO 8601), for the CLI and the REST API."""
    body = asdict(report)
    body["since"], body["until"] = report.since.isoformat(), report.until.isoformat()
    return body
