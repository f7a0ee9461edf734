"""Candidate scoring: which engineer should get a job, and why. Pure functions, no I/O.

The score combines skill match, distance from the engineer's home to the site, current load, the client's
contract (preferred engineers score higher, excluded ones are never offered) and level. Every candidate
carries the reasons for its score so the offer card and the audit log can explain the choice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ticket_core.enums import Priority, Role
from ticket_core.model import Contract, StaffMember

EARTH_RADIUS_KM = 6371.0088

# Weights: a skill match dominates; distance and load break ties between skilled engineers.
W_SKILL = 100.0
W_PREFERRED = 25.0
KM_PENALTY = 0.5  # per km
MAX_DISTANCE_PENALTY = 40.0
LOAD_PENALTY = 10.0  # per active job
P1_LEVEL_BONUS = 5.0  # per level above 1 for critical jobs


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What routing needs to know about a ticket."""

    category: str
    priority: Priority
    lat: float | None = None
    lon: float | None = None


@dataclass(slots=True)
class Candidate:
    """One engineer with a score and the reasons behind it."""

    engineer_id: str
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)
    distance_km: float | None = None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def rank_candidates(
    job: JobFacts,
    engineers: Iterable[StaffMember],
    loads: Mapping[str, int],
    contract: Contract | None = None,
    exclude: Iterable[str] = (),
) -> list[Candidate]:
    """Rank engineers who can take the job, best first.

    Engineers who are off shift, at their parallel-job limit, excluded by the contract, already tried
    (`exclude`) or lacking the category skill are left out. Ties are broken by engineer id so the result
    is deterministic.
    """
    skipped = set(exclude)
    if contract is not None:
        skipped.update(contract.excluded_engineers)
    preferred = set(contract.preferred_engineers) if contract else set()
    ranked: list[Candidate] = []
    for eng in engineers:
        if eng.role is not Role.ENGINEER or eng.id in skipped or not eng.on_shift:
            continue
        if job.category not in eng.skills:
            continue
        load = loads.get(eng.id, 0)
        if load >= eng.max_parallel_jobs:
            continue
        score = W_SKILL
        reasons = [f"skill: {job.category}"]
        distance = None
        if None not in (job.lat, job.lon, eng.home_lat, eng.home_lon):
            distance = haversine_km(job.lat, job.lon, eng.home_lat, eng.home_lon)  # type: ignore[arg-type]
            score -= min(MAX_DISTANCE_PENALTY, distance * KM_PENALTY)
            reasons.append(f"{distance:.1f} km from site")
        score -= load * LOAD_PENALTY
        reasons.append(f"load {load}/{eng.max_parallel_jobs}")
        if eng.id in preferred:
            score += W_PREFERRED
            reasons.append("preferred by contract")
        if job.priority is Priority.P1 and eng.level > 1:
            score += P1_LEVEL_BONUS * (eng.level - 1)
            reasons.append(f"level L{eng.level} for a P1 job")
        ranked.append(Candidate(eng.id, eng.name, round(score, 3), reasons, distance))
    ranked.sort(key=lambda c: (-c.score, c.engineer_id))
    return ranked
