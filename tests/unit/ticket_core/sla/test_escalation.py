"""Escalation ladder: each level fires once, in order, and next_alert_at is exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticket_core.enums import Priority
from ticket_core.sla import (
    DEFAULT_LADDER,
    Acknowledgement,
    AlertKey,
    EscalationRule,
    Extended,
    Fact,
    FirstResponse,
    Opened,
    Paused,
    Resolved,
    Resumed,
    SlaKind,
    compute_sla,
    due_alerts,
    make_ladder,
    next_alert_at,
)

from .conftest import POLICY, berlin, hours, minutes

MON_10 = berlin(2026, 3, 2, 10, 0)
US = timedelta(microseconds=1)


def run_worker(timeline: list[Fact], until: datetime) -> list[tuple[datetime, SlaKind, int, str]]:
    """Simulate the worker: wake at next_alert_at, send due alerts, remember them, repeat."""
    sent: set[AlertKey] = set()
    log: list[tuple[datetime, SlaKind, int, str]] = []
    now = min(f.at for f in timeline)
    for _ in range(100):
        state = compute_sla(POLICY, timeline, now)
        for alert in due_alerts(state, DEFAULT_LADDER, sent):
            assert alert.key not in sent
            sent.add(alert.key)
            log.append((now, alert.kind, alert.level, alert.notify))
        wake = next_alert_at(state, DEFAULT_LADDER, sent)
        if wake is None or wake > until:
            break
        assert wake > now  # nothing is due right after sending: the worker never spins
        now = wake
    return log


def test_resolution_ladder_fires_each_level_once_in_order_at_exact_instants() -> None:
    # P1: response 1 h, resolution 4 h (Mon-Fri 09:00-18:00 Berlin); the response comes in time.
    timeline: list[Fact] = [Opened(MON_10, Priority.P1), FirstResponse(MON_10 + minutes(20))]
    log = run_worker(timeline, until=berlin(2026, 3, 31, 0, 0))
    assert log == [
        (MON_10 + hours(3), SlaKind.RESOLUTION, 0, "assignee"),  # 75 % of 4 h
        (MON_10 + hours(4), SlaKind.RESOLUTION, 1, "supervisor"),  # breach
        (MON_10 + hours(6), SlaKind.RESOLUTION, 2, "L2"),  # 150 %
        (berlin(2026, 3, 2, 18, 0), SlaKind.RESOLUTION, 3, "L3"),  # 200 % = 8 h, at Monday's closing
        (berlin(2026, 3, 3, 13, 0), SlaKind.RESOLUTION, 4, "head"),  # 300 % = 12 h
    ]  # the response (at 10:20) came before its 75 % mark (10:45), so that clock raised nothing


def test_next_alert_at_is_exact() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P2)]
    sent: set[AlertKey] = set()
    wake = next_alert_at(compute_sla(POLICY, timeline, MON_10), DEFAULT_LADDER, sent)
    assert wake == MON_10 + minutes(90)
    assert due_alerts(compute_sla(POLICY, timeline, wake - US), DEFAULT_LADDER, sent) == []
    alerts = due_alerts(compute_sla(POLICY, timeline, wake), DEFAULT_LADDER, sent)
    assert [a.key for a in alerts] == [(SlaKind.RESPONSE, 0)]
    assert alerts[0].due_at == MON_10 + hours(2)
    assert alerts[0].reached_at == wake


def test_next_alert_at_with_an_odd_share_is_exact_to_the_microsecond() -> None:
    ladder = make_ladder([EscalationRule(1, 1 / 3, "assignee"), EscalationRule(2, 1.0, "supervisor")])
    timeline: list[Fact] = [Opened(MON_10, Priority.P3)]
    wake = next_alert_at(compute_sla(POLICY, timeline, MON_10), ladder, set())
    assert wake is not None
    assert due_alerts(compute_sla(POLICY, timeline, wake - US), ladder, set()) == []
    assert due_alerts(compute_sla(POLICY, timeline, wake), ladder, set())


def test_missed_levels_are_all_sent_once_in_order() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P1), FirstResponse(MON_10 + minutes(5))]
    state = compute_sla(POLICY, timeline, berlin(2026, 3, 2, 17, 0))  # 7 h = 175 % of the 4 h target
    alerts = due_alerts(state, DEFAULT_LADDER, {(SlaKind.RESOLUTION, 0)})
    assert [(a.kind, a.level) for a in alerts] == [(SlaKind.RESOLUTION, 1), (SlaKind.RESOLUTION, 2)]
    assert [a.reached_at for a in alerts] == [MON_10 + hours(4), MON_10 + hours(6)]
    assert next_alert_at(state, DEFAULT_LADDER, {(SlaKind.RESOLUTION, 0)}) == state.now


def test_paused_clock_schedules_nothing_and_met_clock_alerts_nothing() -> None:
    paused: list[Fact] = [Opened(MON_10, Priority.P2), FirstResponse(MON_10), Paused(MON_10 + hours(1))]
    state = compute_sla(POLICY, paused, MON_10 + hours(30))
    assert next_alert_at(state, DEFAULT_LADDER, set()) is None
    assert due_alerts(state, DEFAULT_LADDER, set()) == []
    resolved: list[Fact] = [Opened(MON_10, Priority.P2), Resolved(MON_10 + hours(1))]
    state = compute_sla(POLICY, resolved, MON_10 + hours(40))
    assert due_alerts(state, DEFAULT_LADDER, set()) == []
    assert next_alert_at(state, DEFAULT_LADDER, set()) is None


def test_pause_and_extension_push_the_next_alert_later() -> None:
    base: list[Fact] = [Opened(MON_10, Priority.P2), FirstResponse(MON_10)]
    now = MON_10 + hours(2)
    assert next_alert_at(compute_sla(POLICY, base, now)) == MON_10 + hours(6)
    paused = [*base, Paused(MON_10 + hours(1)), Resumed(MON_10 + hours(2))]
    assert next_alert_at(compute_sla(POLICY, paused, now)) == MON_10 + hours(7)
    extended = [*base, Extended(MON_10 + hours(1), hours(4), "client away")]
    # 75 % of 12 h = 9 h: Monday gives 8, Tuesday 09:00 + 1 h.
    assert next_alert_at(compute_sla(POLICY, extended, now)) == berlin(2026, 3, 3, 10, 0)


def test_all_levels_sent_means_no_more_wakeups() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P1), FirstResponse(MON_10)]
    state = compute_sla(POLICY, timeline, MON_10 + hours(1))
    sent = {(kind, rule.level) for kind in SlaKind for rule in DEFAULT_LADDER}
    assert next_alert_at(state, DEFAULT_LADDER, sent) is None


def test_acknowledgement_records_who_and_when() -> None:
    ack = Acknowledgement((SlaKind.RESOLUTION, 1), "sup-sveta", datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert ack.key == (SlaKind.RESOLUTION, 1)
    with pytest.raises(ValueError, match="who acknowledged"):
        Acknowledgement((SlaKind.RESOLUTION, 1), " ", ack.at)
    with pytest.raises(ValueError, match="no time zone"):
        Acknowledgement((SlaKind.RESOLUTION, 1), "sup", datetime(2026, 3, 2, 12, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([], "at least one"),
        ([EscalationRule(1, 1.0, "a"), EscalationRule(1, 2.0, "b")], "twice"),
        ([EscalationRule(1, 1.0, "a"), EscalationRule(2, 0.5, "b")], "higher shares"),
    ],
)
def test_bad_ladders_are_refused(rules: list[EscalationRule], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_ladder(rules)


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="above zero"):
        EscalationRule(1, 0, "supervisor")
    with pytest.raises(ValueError, match="whom to notify"):
        EscalationRule(1, 1.0, "")


def test_make_ladder_orders_by_level() -> None:
    ladder = make_ladder([EscalationRule(2, 2.0, "L2"), EscalationRule(1, 1.0, "supervisor")])
    assert [r.level for r in ladder] == [1, 2]


T0 = datetime(2026, 3, 20, 7, 0, tzinfo=UTC)


@settings(max_examples=100, deadline=None)
@given(
    priority=st.sampled_from(list(Priority)),
    steps=st.lists(
        st.tuples(st.sampled_from(["pause", "resume", "extend"]), st.integers(1, 60 * 30)), max_size=6
    ),
)
def test_worker_sends_each_level_once_in_ladder_order(
    priority: Priority, steps: list[tuple[str, int]]
) -> None:
    timeline: list[Fact] = [Opened(T0, priority)]
    at = T0
    for what, gap in steps:
        at += timedelta(minutes=gap)
        timeline.append(
            Paused(at)
            if what == "pause"
            else Resumed(at)
            if what == "resume"
            else Extended(at, hours(1), "why")
        )
    # Resume at the end so that the clocks eventually run through the whole ladder.
    timeline.append(Resumed(at + minutes(1)))
    sent: list[AlertKey] = []
    now = T0
    for _ in range(200):
        state = compute_sla(POLICY, timeline, now)
        for alert in due_alerts(state, DEFAULT_LADDER, sent):
            sent.append(alert.key)
        wake = next_alert_at(state, DEFAULT_LADDER, sent)
        facts_ahead = [f.at for f in timeline if f.at > now]
        candidates = [t for t in [wake, *facts_ahead] if t is not None]
        if not candidates:
            break
        now = min(candidates)
    assert len(sent) == len(set(sent)) == 2 * len(DEFAULT_LADDER)
    for kind in SlaKind:
        assert [level for k, level in sent if k is kind] == [r.level for r in DEFAULT_LADDER]
