"""Candidate scoring: which engineer should get a job, and why. Pure functions, no I/O.

The score combines skill match, distance from the engineer's home to the site, current load, the client's
contract (preferred engineers score higher, excluded ones are never offered) and level. Every candidate
carries the reasons for its score so the offer card and the audit log can explain the choice.

Hard filters besides skill, shift and load (docs/routing.md):

* level: an engineer below the ticket's required level (`min_level`, raised by escalation) is left out;
* region: when both the site and the engineer name service regions, an engineer who does not cover the
  site's region is left out (a filter, not a penalty: a job across the country is never "best");
* working hours: an engineer outside their weekly hours (on their own clock) gets no normal work; a P1
  job goes to engineers off hours only when nobody in hours can take it, and the reason says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ticket_core.enums import Priority, Role
from ticket_core.model import Contract, StaffMember
from ticket_core.reasons import DETAIL_SEPARATOR, Reason

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
    region: str | None = None
    min_level: int = 1
    max_km: float | None = None
    """Engineers whose home is farther from the job are left out (a job with a place but no site's region:
    a shared location or a typed address in another town)."""


@dataclass(slots=True)
class Candidate:
    """One engineer with a score and the reasons behind it."""

    engineer_id: str
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)
    distance_km: float | None = None


class Skip(StrEnum):
    """Why an engineer was left out of a routing decision (counted to explain an empty result)."""

    ROLE_OR_TRIED = "already tried or not an engineer"
    OFF_SHIFT = "off shift"
    SKILL = "no skill"
    BUSY = "at job limit"
    LEVEL = "below required level"
    REGION = "outside the site's region"
    FAR = "too far from the job"
    HOURS = "outside working hours"


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
    *,
    now: datetime | None = None,
    skipped: dict[Skip, int] | None = None,
) -> list[Candidate]:
    """Rank engineers who can take the job, best first.

    Engineers who are off shift, at their parallel-job limit, excluded by the contract, already tried
    (`exclude`), lacking the category skill, below the job's level or outside the site's region are left
    out. With `now`, engineers outside their working hours are left out too, except for a P1 job that no
    one in hours can take. Ties are broken by engineer id so the result is deterministic. When `skipped`
    is given it counts the engineers left out by reason.
    """
    excluded = set(exclude)
    if contract is not None:
        excluded.update(contract.excluded_engineers)
    preferred = set(contract.preferred_engineers) if contract else set()
    in_hours: list[Candidate] = []
    off_hours: list[Candidate] = []
    count = skipped if skipped is not None else {}
    for eng in engineers:
        why = _filter(job, eng, loads, excluded)
        if why is not None:
            count[why] = count.get(why, 0) + 1
            continue
        load = loads.get(eng.id, 0)
        score = W_SKILL
        reasons: list[str] = [Reason("skill", category=job.category)]
        distance = None
        if None not in (job.lat, job.lon, eng.home_lat, eng.home_lon):
            distance = haversine_km(job.lat, job.lon, eng.home_lat, eng.home_lon)  # type: ignore[arg-type]
            score -= min(MAX_DISTANCE_PENALTY, distance * KM_PENALTY)
            reasons.append(Reason("distance", km=distance))
        score -= load * LOAD_PENALTY
        reasons.append(Reason("load", load=load, limit=eng.max_parallel_jobs))
        if eng.id in preferred:
            score += W_PREFERRED
            reasons.append(Reason("contract"))
        if job.priority is Priority.P1 and eng.level > 1:
            score += P1_LEVEL_BONUS * (eng.level - 1)
            reasons.append(Reason("level_p1", level=eng.level))
        elif job.min_level > 1:
            reasons.append(Reason("level", level=eng.level, required=job.min_level))
        if job.region and eng.regions:
            reasons.append(Reason("region", region=job.region))
        candidate = Candidate(eng.id, eng.name, round(score, 3), reasons, distance)
        if now is not None and eng.working_hours is not None:
            if not eng.working_hours.is_open(now, eng.timezone):
                off_hours.append(candidate)
                continue
            reasons.append(Reason("in_hours"))
        in_hours.append(candidate)
    if off_hours:
        if job.priority is Priority.P1 and not in_hours:
            for candidate in off_hours:
                candidate.reasons.append(Reason("off_hours_p1"))
            in_hours = off_hours
        else:
            count[Skip.HOURS] = count.get(Skip.HOURS, 0) + len(off_hours)
    in_hours.sort(key=lambda c: (-c.score, c.engineer_id))
    return in_hours


def _filter(job: JobFacts, eng: StaffMember, loads: Mapping[str, int], excluded: set[str]) -> Skip | None:
    """The first hard rule that keeps `eng` from the job, or None when the engineer may be scored."""
    if eng.role is not Role.ENGINEER or eng.id in excluded:
        return Skip.ROLE_OR_TRIED
    if not eng.on_shift:
        return Skip.OFF_SHIFT
    if job.category not in eng.skills:
        return Skip.SKILL
    if loads.get(eng.id, 0) >= eng.max_parallel_jobs:
        return Skip.BUSY
    if eng.level < job.min_level:
        return Skip.LEVEL
    if job.region and eng.regions and job.region not in eng.regions:
        return Skip.REGION
    if job.max_km is not None and None not in (job.lat, job.lon, eng.home_lat, eng.home_lon):
        if haversine_km(job.lat, job.lon, eng.home_lat, eng.home_lon) > job.max_km:  # type: ignore[arg-type]
            return Skip.FAR
    return None


def nobody_reasons(job: JobFacts, skipped: Mapping[Skip, int]) -> list[Reason]:
    """Why nobody could be offered a job, one reason per kind of engineer left out (supervisors, audit)."""
    codes = {
        Skip.HOURS: "skipped_hours",
        Skip.BUSY: "skipped_busy",
        Skip.OFF_SHIFT: "skipped_off_shift",
    }
    parts = []
    for why in (Skip.LEVEL, Skip.REGION, Skip.FAR, Skip.HOURS, Skip.BUSY, Skip.OFF_SHIFT):
        n = skipped.get(why, 0)
        if not n:
            continue
        if why is Skip.LEVEL:
            parts.append(Reason("skipped_level", n=n, level=job.min_level))
        elif why is Skip.REGION:
            parts.append(Reason("skipped_region", n=n, region=job.region))
        elif why is Skip.FAR:
            parts.append(Reason("skipped_far", n=n, km=job.max_km))
        else:
            parts.append(Reason(codes[why], n=n))
    return parts


def explain_nobody(job: JobFacts, skipped: Mapping[Skip, int]) -> str:
    """Say why nobody could be offered a job, as one English line."""
    return DETAIL_SEPARATOR.join(nobody_reasons(job, skipped))


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
        pick.reasons.append(Reason("round_robin"))
        return [pick]
    return ranked[:1]
