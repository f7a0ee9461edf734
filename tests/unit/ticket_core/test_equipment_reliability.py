"""Equipment reliability figures against references computed here from the definitions, step by step."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from ticket_core.equipment.model import UnitFault
from ticket_core.equipment.reliability import compute

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2026, 4, 1, tzinfo=UTC)


def _fault(unit: str, n: int, opened: datetime, hours_to_fix: float | None, **kw: object) -> UnitFault:
    values: dict[str, object] = {
        "unit_name": unit.upper(),
        "type_id": "ac",
        "model": "Daikin",
        "warranty_until": None,
        "status": "resolved" if hours_to_fix is not None else "in_progress",
    }
    values.update(kw)
    return UnitFault(
        unit_id=unit,
        ticket_id=f"t{n}",
        number=n,
        opened_at=opened,
        resolved_at=opened + timedelta(hours=hours_to_fix) if hours_to_fix is not None else None,
        **values,  # type: ignore[arg-type]
    )


def test_a_worked_example() -> None:
    day = timedelta(days=1)
    faults = [
        _fault("a", 1, SINCE - 10 * day, 5),  # before the period: only makes the next one a repeat
        _fault("a", 2, SINCE + 10 * day, 4),  # repeat (20 days after #1)
        _fault("a", 3, SINCE + 50 * day, 2),  # 40 days later: not a repeat; gap 40 d = 960 h
        _fault("a", 4, SINCE + 60 * day, None),  # repeat; gap 10 d = 240 h; open
        _fault("b", 5, SINCE + 5 * day, 10, model="LG", warranty_until=date(2025, 12, 31)),
        _fault("b", 6, SINCE + 6 * day, 0, model="LG", warranty_until=date(2025, 12, 31), status="cancelled"),
        _fault("c", 7, SINCE + 1 * day, 1, type_id="printer", model="HP"),
        _fault("c", 8, UNTIL, 1, type_id="printer", model="HP"),  # after the period
    ]
    report = compute(faults, {"ac": 3, "printer": 1, "camera": 2}, SINCE, UNTIL)
    a, b, c = (next(u for u in report.by_unit if u.unit_id == x) for x in "abc")
    assert (a.failures, a.repeats, a.mtbf_h, a.mttr_h) == (3, 2, 600.0, 3.0)
    assert (b.failures, b.repeats, b.mtbf_h, b.mttr_h, b.out_of_warranty) == (1, 0, None, 10.0, True)
    assert (c.failures, c.repeats, c.mtbf_h, c.mttr_h) == (1, 0, None, 1.0)
    assert [u.unit_id for u in report.by_unit] == ["a", "b", "c"]
    ac, camera, printer = report.by_type
    assert (ac.type_id, ac.units, ac.failed_units, ac.failures, ac.failures_per_unit) == (
        "ac",
        3,
        2,
        4,
        1.333,
    )
    assert (ac.repeats, ac.mtbf_h, ac.mttr_h) == (2, 600.0, round((4 + 2 + 10) / 3, 2))
    assert (camera.units, camera.failures, camera.mtbf_h) == (2, 0, None)
    assert (printer.failures, printer.failures_per_unit) == (1, 1.0)
    assert [(m.model, m.failures, m.failures_per_unit) for m in report.top_models] == [
        ("Daikin", 3, 3.0),
        ("LG", 1, 1.0),  # ac before printer when they fail alike
        ("HP", 1, 1.0),
    ]
    assert [u.unit_id for u in report.out_of_warranty] == ["b"]
    assert (report.failures, report.repeats, report.mtbf_h) == (5, 2, 600.0)


def _reference(
    faults: list[UnitFault], since: datetime, until: datetime
) -> dict[str, tuple[int, int, float | None, float | None]]:
    """Per unit (failures, repeats, MTBF h, MTTR h), from the definitions, one unit at a time."""
    result = {}
    for unit in sorted({f.unit_id for f in faults}):
        mine = sorted(
            (f for f in faults if f.unit_id == unit and f.status != "cancelled" and f.opened_at < until),
            key=lambda f: (f.opened_at, f.number),
        )
        period = [f for f in mine if f.opened_at >= since]
        if not period:
            continue
        repeats = 0
        for f in period:
            older = [o for o in mine if (o.opened_at, o.number) < (f.opened_at, f.number)]
            if older and f.opened_at - older[-1].opened_at <= timedelta(days=30):
                repeats += 1
        gaps = [
            (period[i + 1].opened_at - period[i].opened_at).total_seconds() / 3600
            for i in range(len(period) - 1)
        ]
        fixes = [(f.resolved_at - f.opened_at).total_seconds() / 3600 for f in period if f.resolved_at]
        result[unit] = (
            len(period),
            repeats,
            round(sum(gaps) / len(gaps), 2) if gaps else None,
            round(sum(fixes) / len(fixes), 2) if fixes else None,
        )
    return result


@pytest.mark.parametrize("seed", range(20))
def test_random_histories_match_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    faults = []
    for n in range(rng.randint(0, 80)):
        unit = f"u{rng.randint(1, 8)}"
        opened = SINCE - timedelta(days=40) + timedelta(minutes=rng.randint(0, 60 * 24 * 140))
        fix = rng.choice([None, rng.uniform(0.1, 200)])
        status = rng.choice(["resolved", "closed", "cancelled", "new"])
        faults.append(
            _fault(unit, n + 1, opened, fix, status=status, type_id="ac" if unit < "u5" else "printer")
        )
    report = compute(faults, {"ac": 4, "printer": 4}, SINCE, UNTIL)
    got = {u.unit_id: (u.failures, u.repeats, u.mtbf_h, u.mttr_h) for u in report.by_unit}
    assert got == _reference(faults, SINCE, UNTIL)
    assert report.failures == sum(v[0] for v in got.values())
    assert sum(t.failures for t in report.by_type) == report.failures
