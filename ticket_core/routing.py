"""Candidate scoring: which engineer should get a job, and why. Pure functions, no I/O.

The score combines skill match, distance from the engineer's home to the site, current load, the client's
contract (preferred engineers score higher, excluded ones are never offered) and level. Every candidate
carries the reasons for its score so the offer card and the audit log can explain the choice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

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


class Strategy(StrEnum):
    """How a job is offered: to the best candidate, in turns, or to a group at once."""

    BEST_MATCH = "best-match"
    ROUND_ROBIN = "round-robin"
    BROADCAST = "broadcast"


def parse_strategies(spec: str) -> dict[str, Strategy]:
    """Parse "category=strategy,..." (e.g. "hvac=broadcast,it=round-robin") into a mapping.

    Raises:
        ValueError: a part is malformed or names an unknown strategy.
    """
    result: dict[str, Strategy] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        category, sep, name = part.partition("=")
        if not sep or not category.strip():
            raise ValueError(f"routing strategy {part!r}: write category=strategy, e.g. hvac=broadcast")
        try:
            result[category.strip()] = Strategy(name.strip())
        except ValueError:
            options = ", ".join(s.value for s in Strategy)
            raise ValueError(
                f"routing strategy {name.strip()!r} for {category.strip()}: use one of {options}"
            ) from None
    return result


def choose(
    ranked: list[Candidate],
    strategy: Strategy,
    *,
    last_offered: Mapping[str, datetime] | None = None,
    broadcast_size: int = 5,
) -> list[Candidate]:
    """Pick who gets the offer from ranked candidates.

    best-match: the top candidate. round-robin: of the candidates that are as good as the best on skill
    (everyone ranked is skilled), the one who waited longest since their last offer (never offered first).
    broadcast: the top `broadcast_size` candidates at once; the first Accept wins.
    """
    if not ranked:
        return []
    if strategy is Strategy.BROADCAST:
        return ranked[: max(1, broadcast_size)]
    if strategy is Strategy.ROUND_ROBIN:
        seen = last_offered or {}
        never = [c for c in ranked if c.engineer_id not in seen]
        if never:
            pick = never[0]
        else:
            pick = min(ranked, key=lambda c: (seen[c.engineer_id], -c.score, c.engineer_id))
        pick.reasons.append("round-robin turn")
        return [pick]
    return ranked[:1]
