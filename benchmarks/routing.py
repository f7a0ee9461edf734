"""`helpdesk bench routing`: how long one routing decision takes with many open tickets and engineers."""

from __future__ import annotations

import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import click

from helpdesk.cli.bench import bench
from ticket_core.enums import Priority, Role
from ticket_core.model import Contract, StaffMember
from ticket_core.routing import JobFacts, rank_candidates
from ticket_core.working_hours import WeeklyHours

CATEGORIES = ("it", "printers", "hvac", "heating", "electrical", "plumbing", "other")
CITIES = (
    (55.75, 37.62, "MOW", "Europe/Moscow"),
    (59.94, 30.31, "SPB", "Europe/Moscow"),
    (56.84, 60.61, "EKB", "Asia/Yekaterinburg"),
    (55.03, 82.92, "NSK", "Asia/Novosibirsk"),
)
SCHEDULES = (
    None,  # on call: no schedule
    WeeklyHours.parse("mon-fri 09:00-18:00"),
    WeeklyHours.parse("mon-fri 08:00-17:00; sat 10:00-14:00"),
    WeeklyHours.parse("daily 20:00-08:00"),
)


def _engineers(n: int, rng: random.Random) -> list[StaffMember]:
    out = []
    for i in range(n):
        lat, lon, region, tz = rng.choice(CITIES)
        out.append(
            StaffMember(
                id=f"e{i:04d}",
                name=f"Engineer {i}",
                role=Role.ENGINEER,
                skills=tuple(rng.sample(CATEGORIES, rng.randint(1, 3))),
                home_lat=lat + rng.uniform(-0.3, 0.3),
                home_lon=lon + rng.uniform(-0.5, 0.5),
                level=rng.randint(1, 3),
                max_parallel_jobs=rng.randint(2, 5),
                on_shift=rng.random() < 0.8,
                regions=(region,) if rng.random() < 0.9 else (),
                timezone=tz,
                working_hours=rng.choice(SCHEDULES),
            )
        )
    return out


@bench.command("routing")
@click.option("--tickets", default=1000, show_default=True, help="Open tickets to route.")
@click.option("--engineers", default=500, show_default=True, help="Engineers to choose from.")
@click.option("--seed", default=7, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def routing(tickets: int, engineers: int, seed: int, as_json: bool) -> None:
    """Route every open ticket against every engineer; report the p95 time of one decision.

    A decision scores all engineers (skill, distance, load, contract, priority, level, region, working
    hours on each engineer's own clock) for one ticket, with the current loads of the other open tickets
    taken into account, exactly as the dispatcher does. The tickets arrive over one week.
    """
    rng = random.Random(seed)
    staff = _engineers(engineers, rng)
    loads = {e.id: rng.randint(0, 3) for e in staff}
    contract = Contract(
        "k",
        "c",
        "bench",
        preferred_engineers=tuple(e.id for e in staff[:5]),
        excluded_engineers=(staff[5].id,),
    )
    jobs = []
    week = datetime(2026, 3, 2, tzinfo=UTC)
    for _ in range(tickets):
        lat, lon, region, _tz = rng.choice(CITIES)
        at = week + timedelta(minutes=rng.randrange(7 * 24 * 60))
        job = JobFacts(
            rng.choice(CATEGORIES),
            rng.choice(list(Priority)),
            lat + rng.uniform(-0.2, 0.2),
            lon + rng.uniform(-0.3, 0.3),
            region=region,
            min_level=rng.choice((1, 1, 1, 2, 3)),
        )
        jobs.append((job, at))
    timings: list[float] = []
    routed = 0
    for job, at in jobs:
        start = time.perf_counter()
        ranked = rank_candidates(job, staff, loads, contract, now=at)
        timings.append((time.perf_counter() - start) * 1000)
        if ranked:
            routed += 1
            loads[ranked[0].engineer_id] = loads.get(ranked[0].engineer_id, 0) + 1
    timings.sort()
    result = {
        "tickets": tickets,
        "engineers": engineers,
        "routed": routed,
        "p50_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 3),
    }
    click.echo(json.dumps(result) if as_json else "\n".join(f"{k}: {v}" for k, v in result.items()))
