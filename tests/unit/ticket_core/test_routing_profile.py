"""Routing by level, service region and working hours: pure rules, each explained in the reasons."""

from __future__ import annotations

from datetime import UTC, datetime

from ticket_core.enums import Priority, Role
from ticket_core.model import StaffMember
from ticket_core.routing import JobFacts, Skip, explain_nobody, rank_candidates
from ticket_core.working_hours import WeeklyHours

MOSCOW = (55.7558, 37.6173)
MONDAY_NOON_MSK = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONDAY_NIGHT_MSK = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 23:00 in Moscow
OFFICE = WeeklyHours.parse("mon-fri 09:00-18:00")


def eng(i: str, **kw) -> StaffMember:
    kw.setdefault("skills", ("it",))
    return StaffMember(i, i, Role.ENGINEER, home_lat=MOSCOW[0], home_lon=MOSCOW[1], **kw)


def ids(ranked) -> list[str]:
    return [c.engineer_id for c in ranked]


def test_engineers_below_the_required_level_are_left_out() -> None:
    staff = [eng("l1", level=1), eng("l2", level=2), eng("l3", level=3)]
    skipped: dict[Skip, int] = {}
    ranked = rank_candidates(JobFacts("it", Priority.P3, *MOSCOW, min_level=2), staff, {}, skipped=skipped)
    assert sorted(ids(ranked)) == ["l2", "l3"]
    assert skipped == {Skip.LEVEL: 1}
    assert "level L2 (L2+ required)" in next(c for c in ranked if c.engineer_id == "l2").reasons


def test_region_filters_only_when_both_sides_name_regions() -> None:
    staff = [eng("mow", regions=("MOW",)), eng("spb", regions=("SPB",)), eng("anywhere")]
    skipped: dict[Skip, int] = {}
    ranked = rank_candidates(JobFacts("it", Priority.P3, *MOSCOW, region="MOW"), staff, {}, skipped=skipped)
    assert sorted(ids(ranked)) == ["anywhere", "mow"]
    assert skipped == {Skip.REGION: 1}
    assert "covers region MOW" in next(c for c in ranked if c.engineer_id == "mow").reasons
    # A site without a region: everyone may go.
    assert len(rank_candidates(JobFacts("it", Priority.P3, *MOSCOW), staff, {})) == 3


def test_off_hours_engineers_get_no_normal_work() -> None:
    staff = [eng("office", working_hours=OFFICE), eng("always")]
    day = rank_candidates(JobFacts("it", Priority.P3, *MOSCOW), staff, {}, now=MONDAY_NOON_MSK)
    assert sorted(ids(day)) == ["always", "office"]
    assert "in working hours" in next(c for c in day if c.engineer_id == "office").reasons
    skipped: dict[Skip, int] = {}
    night = rank_candidates(
        JobFacts("it", Priority.P3, *MOSCOW), staff, {}, now=MONDAY_NIGHT_MSK, skipped=skipped
    )
    assert ids(night) == ["always"]
    assert skipped == {Skip.HOURS: 1}
    # Without `now` (a what-if ranking) hours are not checked.
    assert len(rank_candidates(JobFacts("it", Priority.P3, *MOSCOW), staff, {})) == 2


def test_hours_are_read_on_each_engineers_own_clock() -> None:
    berlin = eng("berlin", working_hours=OFFICE, timezone="Europe/Berlin")
    moscow = eng("moscow", working_hours=OFFICE, timezone="Europe/Moscow")
    at = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 10:00 in Moscow, 08:00 in Berlin
    assert ids(rank_candidates(JobFacts("it", Priority.P3), [berlin, moscow], {}, now=at)) == ["moscow"]


def test_p1_goes_off_hours_only_when_nobody_in_hours_is_free() -> None:
    staff = [eng("office", working_hours=OFFICE), eng("busy")]
    job = JobFacts("it", Priority.P1, *MOSCOW)
    # "busy" (no schedule) is in hours but at their job limit: the off-hours engineer is asked, and told why.
    ranked = rank_candidates(job, staff, {"busy": 3}, now=MONDAY_NIGHT_MSK)
    assert ids(ranked) == ["office"]
    assert "off hours: P1 and nobody in working hours is free" in ranked[0].reasons
    # Somebody in hours is free: the off-hours engineer is left alone even for a P1.
    ranked = rank_candidates(job, staff, {}, now=MONDAY_NIGHT_MSK)
    assert ids(ranked) == ["busy"]
    # A P2 never goes off hours.
    assert rank_candidates(JobFacts("it", Priority.P2), staff, {"busy": 3}, now=MONDAY_NIGHT_MSK) == []


def test_an_empty_result_is_explained() -> None:
    staff = [
        eng("junior", level=1),
        eng("far", level=3, regions=("SPB",)),
        eng("asleep", level=3, working_hours=OFFICE),
        eng("full", level=3),
        eng("gone", level=3, on_shift=False),
    ]
    job = JobFacts("it", Priority.P3, *MOSCOW, region="MOW", min_level=2)
    skipped: dict[Skip, int] = {}
    assert rank_candidates(job, staff, {"full": 3}, now=MONDAY_NIGHT_MSK, skipped=skipped) == []
    assert explain_nobody(job, skipped) == (
        "1 below the required level L2; 1 outside region MOW; 1 outside working hours; "
        "1 at job limit; 1 off shift"
    )
