"""Candidate scoring and strategies: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ticket_core.enums import Priority, Role
from ticket_core.model import Contract, StaffMember
from ticket_core.routing import (
    Candidate,
    JobFacts,
    Skip,
    Strategy,
    choose,
    explain_nobody,
    haversine_km,
    parse_strategies,
    rank_candidates,
)

MOSCOW = (55.7558, 37.6173)


def eng(i: str, skills=("it",), lat=55.75, lon=37.62, **kw) -> StaffMember:
    return StaffMember(i, i, Role.ENGINEER, skills, lat, lon, **kw)


def test_haversine_is_right_on_a_known_distance() -> None:
    # Moscow - St Petersburg, about 634 km along the great circle.
    assert 630 < haversine_km(*MOSCOW, 59.9343, 30.3351) < 640
    assert haversine_km(*MOSCOW, *MOSCOW) == 0


def test_skill_shift_load_and_contract_filter_candidates() -> None:
    staff = [
        eng("skilled"),
        eng("unskilled", skills=("hvac",)),
        eng("off", on_shift=False),
        eng("full", max_parallel_jobs=2),
        eng("banned"),
        StaffMember("sup", "sup", Role.SUPERVISOR, ("it",)),
    ]
    contract = Contract("k", "c", "k", excluded_engineers=("banned",))
    ranked = rank_candidates(JobFacts("it", Priority.P3, *MOSCOW), staff, {"full": 2}, contract)
    assert [c.engineer_id for c in ranked] == ["skilled"]


def test_distance_load_preference_and_level_order_candidates() -> None:
    staff = [
        eng("near"),
        eng("far", lat=59.9, lon=30.3),
        eng("busy"),
        eng("pref", lat=55.8, lon=37.7),
        eng("l3", level=3),
    ]
    contract = Contract("k", "c", "k", preferred_engineers=("pref",))
    ranked = rank_candidates(JobFacts("it", Priority.P1, *MOSCOW), staff, {"busy": 2}, contract)
    ids = [c.engineer_id for c in ranked]
    assert ids[0] == "pref" and ids[-1] == "far"
    assert ids.index("l3") < ids.index("near") < ids.index("busy")
    assert "preferred by contract" in ranked[0].reasons
    assert any("km from site" in r for r in ranked[0].reasons)


def test_without_coordinates_ties_break_by_id() -> None:
    ranked = rank_candidates(JobFacts("it", Priority.P3), [eng("b"), eng("a")], {})
    assert [c.engineer_id for c in ranked] == ["a", "b"]


def test_strategies() -> None:
    ranked = [Candidate(x, x, 100 - i) for i, x in enumerate("abcd")]
    assert [c.engineer_id for c in choose(ranked, Strategy.BEST_MATCH)] == ["a"]
    assert [c.engineer_id for c in choose(ranked, Strategy.BROADCAST, broadcast_size=3)] == ["a", "b", "c"]
    t = datetime(2026, 1, 1, tzinfo=UTC)
    seen = {"a": t.replace(hour=3), "b": t.replace(hour=1), "c": t.replace(hour=2), "d": t.replace(hour=4)}
    assert [c.engineer_id for c in choose(ranked, Strategy.ROUND_ROBIN, last_offered=seen)] == ["b"]
    assert [c.engineer_id for c in choose(ranked, Strategy.ROUND_ROBIN, last_offered={"a": t})] == ["b"]
    assert choose([], Strategy.BROADCAST) == []


def test_parse_strategies() -> None:
    assert parse_strategies("") == {}
    assert parse_strategies("hvac=broadcast, it = round-robin") == {
        "hvac": Strategy.BROADCAST,
        "it": Strategy.ROUND_ROBIN,
    }
    with pytest.raises(ValueError, match="use one of"):
        parse_strategies("hvac=fastest")
    with pytest.raises(ValueError, match="category=strategy"):
        parse_strategies("hvac")


def test_a_job_without_a_site_goes_only_to_engineers_near_it() -> None:
    """#18: a typed address in Kazan went to engineers in Moscow; `max_km` leaves out those farther away."""
    kazan = JobFacts("it", Priority.P3, 55.79, 49.12, max_km=150.0)
    moscow, local, unknown = (
        eng("moscow"),
        eng("kazan", lat=55.80, lon=49.10),
        eng("nohome", lat=None, lon=None),
    )
    skipped: dict[Skip, int] = {}
    ranked = rank_candidates(kazan, [moscow, local, unknown], {}, skipped=skipped)
    assert {c.engineer_id for c in ranked} == {"kazan", "nohome"}  # a home nobody knows is not "far"
    assert skipped == {Skip.FAR: 1}
    why: dict[Skip, int] = {}
    nobody = rank_candidates(kazan, [moscow], {}, skipped=why)
    assert nobody == [] and "1 more than 150 km away" in explain_nobody(kazan, why)
