"""SLA clocks of a ticket: pauses, reopen, priority change, extension, and the monotonic properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticket_core.enums import Priority
from ticket_core.sla import (
    CALENDAR_24X7,
    BusinessCalendar,
    Extended,
    Fact,
    FirstResponse,
    Opened,
    Paused,
    Reopened,
    Reprioritised,
    Resolved,
    Resumed,
    SlaKind,
    SlaPolicy,
    SlaStatus,
    business_time_between,
    compute_sla,
)

from .conftest import POLICY, berlin, hours, minutes, new_york

MON_10 = berlin(2026, 3, 2, 10, 0)  # Monday; PLAIN works 09:00-18:00 Mon-Fri


def test_fresh_ticket_runs_both_clocks() -> None:
    state = compute_sla(POLICY, [Opened(MON_10, Priority.P2)], MON_10 + minutes(30))
    assert state.response.elapsed == minutes(30)
    assert state.response.remaining == minutes(90)
    assert state.response.due_at == berlin(2026, 3, 2, 12, 0)
    assert state.response.status is SlaStatus.OK
    assert state.response.share == pytest.approx(0.25)
    # P2 resolution is 8 h: exactly the rest of Monday, 10:00-18:00.
    assert state.resolution.due_at == berlin(2026, 3, 2, 18, 0)
    assert not state.paused and not state.resolved


def test_at_risk_then_breached() -> None:
    timeline = [Opened(MON_10, Priority.P2)]
    assert compute_sla(POLICY, timeline, MON_10 + minutes(89)).response.status is SlaStatus.OK
    assert compute_sla(POLICY, timeline, MON_10 + minutes(90)).response.status is SlaStatus.AT_RISK
    breached = compute_sla(POLICY, timeline, MON_10 + minutes(120))
    assert breached.response.status is SlaStatus.BREACHED
    assert breached.response.breached_at == MON_10 + hours(2)
    later = compute_sla(POLICY, timeline, MON_10 + hours(3))
    assert later.response.remaining == -hours(1)
    assert later.response.due_at == MON_10 + hours(2)
    assert later.response.share == pytest.approx(1.5)


def test_clock_stops_over_night_and_weekend() -> None:
    friday_17 = berlin(2026, 3, 6, 17, 0)
    state = compute_sla(POLICY, [Opened(friday_17, Priority.P2)], berlin(2026, 3, 9, 8, 0))
    assert state.response.elapsed == hours(1)
    assert state.response.due_at == berlin(2026, 3, 9, 10, 0)
    assert state.response.status is SlaStatus.OK


def test_opened_outside_hours_starts_at_next_opening() -> None:
    saturday = berlin(2026, 3, 7, 15, 0)
    state = compute_sla(POLICY, [Opened(saturday, Priority.P1)], saturday + hours(5))
    assert state.response.elapsed == timedelta(0)
    assert state.response.due_at == berlin(2026, 3, 9, 10, 0)


def test_first_response_meets_the_response_clock() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P2), FirstResponse(MON_10 + minutes(40))]
    state = compute_sla(POLICY, timeline, MON_10 + hours(5))
    assert state.response.status is SlaStatus.MET
    assert state.response.met_at == MON_10 + minutes(40)
    assert state.response.elapsed == minutes(40)
    assert state.response.due_at is None
    assert state.resolution.status is SlaStatus.OK  # 5 of 8 hours: under the 75 % mark
    assert state.resolution.elapsed == hours(5)


def test_late_first_response_is_breached_and_met() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P2), FirstResponse(MON_10 + hours(3))]
    state = compute_sla(POLICY, timeline, MON_10 + hours(4))
    assert state.response.status is SlaStatus.BREACHED
    assert state.response.met_at == MON_10 + hours(3)
    assert state.response.breached_at == MON_10 + hours(2)


def test_response_exactly_at_due_is_on_time() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P2), FirstResponse(MON_10 + hours(2))]
    assert compute_sla(POLICY, timeline, MON_10 + hours(3)).response.status is SlaStatus.MET


def test_pause_stops_and_resume_restarts() -> None:
    timeline: list[Fact] = [
        Opened(MON_10, Priority.P2),
        FirstResponse(MON_10 + minutes(10)),
        Paused(MON_10 + hours(1), "waiting for parts"),
        Resumed(berlin(2026, 3, 3, 10, 0)),
    ]
    during = compute_sla(POLICY, timeline, berlin(2026, 3, 2, 16, 0))
    assert during.paused
    assert during.resolution.status is SlaStatus.PAUSED
    assert during.resolution.elapsed == hours(1)
    # While paused, due_at is the due time if work resumed now: 16:00 + 7 h = Tuesday 14:00.
    assert during.resolution.due_at == berlin(2026, 3, 3, 14, 0)
    after = compute_sla(POLICY, timeline, berlin(2026, 3, 3, 12, 0))
    assert after.resolution.elapsed == hours(3)
    assert after.resolution.due_at == berlin(2026, 3, 3, 17, 0)
    assert after.resolution.status is SlaStatus.OK


def test_several_pauses_add_up() -> None:
    timeline: list[Fact] = [
        Opened(MON_10, Priority.P3),
        Paused(MON_10 + hours(1)),
        Resumed(MON_10 + hours(2)),
        Paused(MON_10 + hours(3)),
        Resumed(MON_10 + hours(5)),
        Paused(MON_10 + hours(6)),
        Resumed(MON_10 + hours(7)),
    ]
    state = compute_sla(POLICY, timeline, MON_10 + hours(8))  # Monday 18:00
    assert state.resolution.elapsed == hours(4)
    assert state.response.elapsed == hours(4)
    # 18 h target, 4 used at closing: 9 h on Tuesday and 5 h on Wednesday remain.
    assert state.resolution.due_at == berlin(2026, 3, 4, 14, 0)


def test_duplicate_and_out_of_place_facts_change_nothing() -> None:
    clean: list[Fact] = [Opened(MON_10, Priority.P2), Paused(MON_10 + hours(1)), Resumed(MON_10 + hours(2))]
    noisy: list[Fact] = [
        Opened(MON_10, Priority.P2),
        Resumed(MON_10 + minutes(30)),  # nothing to resume
        Paused(MON_10 + hours(1)),
        Paused(MON_10 + minutes(90)),  # already paused
        Resumed(MON_10 + hours(2)),
        Reopened(MON_10 + minutes(150)),  # not resolved
    ]
    now = MON_10 + hours(4)
    assert compute_sla(POLICY, noisy, now).resolution == compute_sla(POLICY, clean, now).resolution


def test_resolve_meets_both_clocks_and_ends_a_pause() -> None:
    timeline: list[Fact] = [
        Opened(MON_10, Priority.P2),
        Paused(MON_10 + hours(1)),
        Resolved(MON_10 + hours(3)),
    ]
    state = compute_sla(POLICY, timeline, MON_10 + hours(6))
    assert state.resolved and not state.paused
    assert state.response.met_at == state.resolution.met_at == MON_10 + hours(3)
    assert state.resolution.elapsed == hours(1)
    assert state.resolution.status is SlaStatus.MET


def test_reopen_continues_from_where_resolve_stopped() -> None:
    timeline: list[Fact] = [
        Opened(MON_10, Priority.P2),
        FirstResponse(MON_10 + minutes(15)),
        Resolved(MON_10 + hours(5)),  # Monday 15:00, 5 h counted
        Reopened(berlin(2026, 3, 4, 10, 0)),  # Wednesday: Monday evening and Tuesday do not count
    ]
    state = compute_sla(POLICY, timeline, berlin(2026, 3, 4, 11, 0))
    assert not state.resolved
    assert state.resolution.met_at is None
    assert state.resolution.elapsed == hours(6)
    assert state.resolution.due_at == berlin(2026, 3, 4, 13, 0)
    assert state.resolution.status is SlaStatus.AT_RISK  # 6 of 8 hours
    assert state.response.status is SlaStatus.MET  # the first response stays met


def test_priority_change_applies_to_time_already_counted() -> None:
    timeline: list[Fact] = [
        Opened(MON_10, Priority.P3),
        FirstResponse(MON_10 + minutes(30)),
        Reprioritised(MON_10 + hours(5), Priority.P1),
    ]
    before = compute_sla(POLICY, timeline, MON_10 + hours(5) - timedelta(microseconds=1))
    assert before.resolution.status is SlaStatus.OK
    after = compute_sla(POLICY, timeline, MON_10 + hours(5))
    assert after.priority is Priority.P1
    assert after.resolution.target == hours(4)
    assert after.resolution.status is SlaStatus.BREACHED
    # The breach is the instant the counted time reached the new 4 h target: it is in the past.
    assert after.resolution.breached_at == MON_10 + hours(4)
    assert after.response.status is SlaStatus.MET  # a met clock keeps the target it was met against


def test_priority_lowered_gives_more_time() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P1), Reprioritised(MON_10 + hours(1), Priority.P3)]
    state = compute_sla(POLICY, timeline, MON_10 + hours(2))
    assert state.resolution.target == hours(18)
    assert state.resolution.due_at == berlin(2026, 3, 4, 10, 0)


def test_extension_adds_business_time_to_one_clock() -> None:
    base: list[Fact] = [Opened(MON_10, Priority.P2), FirstResponse(MON_10 + minutes(5))]
    extended = [*base, Extended(MON_10 + hours(7), hours(2), "client asked to come tomorrow", by_whom="sup")]
    now = MON_10 + hours(7)
    assert compute_sla(POLICY, base, now).resolution.due_at == berlin(2026, 3, 2, 18, 0)
    state = compute_sla(POLICY, extended, now)
    assert state.resolution.target == hours(10)
    assert state.resolution.due_at == berlin(2026, 3, 3, 11, 0)
    assert state.response.target == hours(2)


def test_extension_survives_a_priority_change() -> None:
    timeline: list[Fact] = [
        Opened(MON_10, Priority.P2),
        Extended(MON_10 + hours(1), hours(3), "parts", SlaKind.RESOLUTION),
        Reprioritised(MON_10 + hours(2), Priority.P1),
    ]
    assert compute_sla(POLICY, timeline, MON_10 + hours(3)).resolution.target == hours(7)


def test_24x7_policy_counts_every_hour() -> None:
    policy = SlaPolicy("24x7", CALENDAR_24X7, POLICY.targets)
    saturday_night = berlin(2026, 3, 7, 23, 0)
    state = compute_sla(policy, [Opened(saturday_night, Priority.P1)], saturday_night + hours(2))
    assert state.response.due_at == saturday_night + hours(1)
    assert state.response.status is SlaStatus.BREACHED
    assert state.resolution.due_at == saturday_night + hours(4)


def test_clock_across_dst_change_in_new_york() -> None:
    ny = BusinessCalendar.office("ny", "America/New_York")
    policy = SlaPolicy("ny", ny, POLICY.targets)
    opened = new_york(2026, 3, 6, 16, 0)  # Friday, EST; Monday is EDT
    state = compute_sla(policy, [Opened(opened, Priority.P2)], new_york(2026, 3, 9, 9, 30))
    assert state.resolution.elapsed == hours(2.5)  # Friday 16:00-18:00 EST and Monday 09:00-09:30 EDT
    assert state.resolution.due_at == new_york(2026, 3, 9, 15, 0)


def test_facts_after_now_are_ignored() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P2), Resolved(MON_10 + hours(3))]
    state = compute_sla(POLICY, timeline, MON_10 + hours(1))
    assert not state.resolved
    assert state.resolution.elapsed == hours(1)


def test_timeline_order_does_not_matter() -> None:
    timeline: list[Fact] = [
        Opened(MON_10, Priority.P2),
        Paused(MON_10 + hours(1)),
        Resumed(MON_10 + hours(2)),
    ]
    now = MON_10 + hours(3)
    assert compute_sla(POLICY, reversed(timeline), now) == compute_sla(POLICY, timeline, now)


# --- bad input ------------------------------------------------------------------------------------------


def test_timeline_must_start_with_opened() -> None:
    with pytest.raises(ValueError, match="start with Opened"):
        compute_sla(POLICY, [Paused(MON_10)], MON_10)
    with pytest.raises(ValueError, match="start with Opened"):
        compute_sla(POLICY, [], MON_10)
    with pytest.raises(ValueError, match="start with Opened"):
        compute_sla(POLICY, [Opened(MON_10, Priority.P2), Paused(MON_10 - hours(1))], MON_10)


def test_second_opening_is_refused() -> None:
    with pytest.raises(ValueError, match="more than one Opened"):
        compute_sla(
            POLICY, [Opened(MON_10, Priority.P2), Opened(MON_10 + hours(1), Priority.P1)], MON_10 + hours(2)
        )


def test_now_before_opening_is_refused() -> None:
    with pytest.raises(ValueError, match="before the ticket was opened"):
        compute_sla(POLICY, [Opened(MON_10, Priority.P2)], MON_10 - hours(1))


def test_naive_fact_time_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Opened\.at .* no time zone"):
        Opened(datetime(2026, 3, 2, 10, 0), Priority.P2)  # noqa: DTZ001 - the point of the test


def test_bad_extensions_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        Extended(MON_10, -hours(1), "oops")
    with pytest.raises(ValueError, match="reason"):
        Extended(MON_10, hours(1), "  ")


def test_priority_without_target_is_refused() -> None:
    partial = SlaPolicy("partial", POLICY.calendar, {Priority.P1: POLICY.targets[Priority.P1]})
    with pytest.raises(ValueError, match="no target for P2"):
        compute_sla(partial, [Opened(MON_10, Priority.P2)], MON_10)
    with pytest.raises(ValueError, match="no target for P3"):
        compute_sla(partial, [Opened(MON_10, Priority.P1), Reprioritised(MON_10, Priority.P3)], MON_10)


# --- properties -----------------------------------------------------------------------------------------

T0 = datetime(2026, 3, 20, 7, 0, tzinfo=UTC)  # a Friday morning: the weekend and the DST change follow


@st.composite
def timelines(draw: st.DrawFn, with_priority_changes: bool = False) -> list[Fact]:
    kinds = [Paused, Resumed, FirstResponse, Resolved, Reopened, Extended]
    if with_priority_changes:
        kinds.append(Reprioritised)
    facts: list[Fact] = [Opened(T0, draw(st.sampled_from(list(Priority))))]
    at = T0
    for kind in draw(st.lists(st.sampled_from(kinds), max_size=12)):
        at += timedelta(minutes=draw(st.integers(0, 60 * 40)))
        if kind is Extended:
            facts.append(
                Extended(
                    at, timedelta(minutes=draw(st.integers(1, 600))), "why", draw(st.sampled_from(SlaKind))
                )
            )
        elif kind is Reprioritised:
            facts.append(Reprioritised(at, draw(st.sampled_from(list(Priority)))))
        else:
            facts.append(kind(at))  # type: ignore[call-arg]
    return facts


offsets = st.integers(0, 60 * 24 * 30).map(lambda m: timedelta(minutes=m, seconds=m % 7))


@settings(max_examples=200, deadline=None)
@given(timeline=timelines(), a=offsets, b=offsets)
def test_due_never_moves_backwards_as_time_passes(timeline: list[Fact], a: timedelta, b: timedelta) -> None:
    """For a fixed timeline without priority changes and T0 <= now1 <= now2: whenever a clock has a due
    time at both instants (it is not met at either), due_at(now2) >= due_at(now1). Pauses, reopenings
    and extensions only push it later; only a priority change may pull it earlier."""
    now1, now2 = T0 + min(a, b), T0 + max(a, b)
    s1, s2 = compute_sla(POLICY, timeline, now1), compute_sla(POLICY, timeline, now2)
    for c1, c2 in zip(s1.clocks, s2.clocks, strict=True):
        if c1.due_at is not None and c2.due_at is not None:
            assert c2.due_at >= c1.due_at


@settings(max_examples=200, deadline=None)
@given(timeline=timelines(with_priority_changes=True), a=offsets, b=offsets)
def test_elapsed_never_decreases_as_time_passes(timeline: list[Fact], a: timedelta, b: timedelta) -> None:
    now1, now2 = T0 + min(a, b), T0 + max(a, b)
    s1, s2 = compute_sla(POLICY, timeline, now1), compute_sla(POLICY, timeline, now2)
    for c1, c2 in zip(s1.clocks, s2.clocks, strict=True):
        assert c2.elapsed >= c1.elapsed
        # Elapsed time is business time: never more than the calendar allows between opening and now.
        assert c2.elapsed <= business_time_between(POLICY.calendar, T0, now2)


@settings(max_examples=200, deadline=None)
@given(timeline=timelines(with_priority_changes=True), a=offsets)
def test_a_running_clock_breaches_exactly_at_due(timeline: list[Fact], a: timedelta) -> None:
    state = compute_sla(POLICY, timeline, T0 + a)
    last_fact = max(f.at for f in timeline)
    for clock in state.clocks:
        if clock.running and clock.status is not SlaStatus.BREACHED and clock.due_at is not None:
            assert clock.due_at > state.now
            if last_fact > state.now:
                continue  # a later fact could change the outcome; the claim is about time passing alone
            at_due = compute_sla(POLICY, timeline, clock.due_at).clock(clock.kind)
            just_before = compute_sla(POLICY, timeline, clock.due_at - timedelta(microseconds=1)).clock(
                clock.kind
            )
            assert at_due.status is SlaStatus.BREACHED
            assert at_due.elapsed == at_due.target
            assert just_before.status is not SlaStatus.BREACHED


def test_at_risk_share_is_configurable_and_checked() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P2)]
    now = MON_10 + hours(1)  # half the response target
    assert compute_sla(POLICY, timeline, now, at_risk_share=0.5).response.status is SlaStatus.AT_RISK
    assert compute_sla(POLICY, timeline, now).response.status is SlaStatus.OK
    with pytest.raises(ValueError, match="at_risk_share"):
        compute_sla(POLICY, timeline, now, at_risk_share=1.5)
