"""Events -> the clock's timeline, and the SLA state computed from a ticket's event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ticket_core.enums import Priority
from ticket_core.events import TicketOpened, TicketPutOnHold, WorkResumed
from ticket_core.model import Actor, Ticket
from ticket_core.sla import CALENDAR_24X7, SlaPolicy, SlaTarget
from ticket_core.sla.clock import (
    Extended,
    FirstResponse,
    Opened,
    Paused,
    Reopened,
    Reprioritised,
    Resolved,
    Resumed,
    SlaKind,
    SlaStatus,
)
from ticket_core.sla.escalation import DEFAULT_LADDER
from ticket_core.sla.events import PriorityChanged as PriorityChangedEvent
from ticket_core.sla.events import SlaExtended
from ticket_core.sla.service import evaluate, promise_text, staff_badge
from ticket_core.sla.timeline import merge_events, timeline_from_events

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY_LADDER = DEFAULT_LADDER
SYS = Actor.system()
POLICY = SlaPolicy(
    "test",
    CALENDAR_24X7,
    {
        Priority.P1: SlaTarget(timedelta(minutes=30), timedelta(hours=4)),
        Priority.P2: SlaTarget(timedelta(hours=1), timedelta(hours=8)),
        Priority.P3: SlaTarget(timedelta(hours=4), timedelta(hours=24)),
        Priority.P4: SlaTarget(timedelta(hours=8), timedelta(hours=72)),
    },
)


def ticket(**kw: object) -> Ticket:
    values: dict[str, object] = {
        "id": "t1",
        "number": 1001,
        "client_id": "acme",
        "contact_id": "c1",
        "category": "it",
        "priority": Priority.P3,
        "description": "x",
        "created_at": T0,
    }
    values.update(kw)
    return Ticket(**values)  # type: ignore[arg-type]


def row(name: str, after_min: float, **data: object) -> dict[str, object]:
    return {"name": name, "at": T0 + timedelta(minutes=after_min), "actor": {"id": "sup"}, "data": data}


def test_every_clock_relevant_event_becomes_its_fact_in_time_order() -> None:
    events = [
        row("ticket_resolved", 300, note="done"),
        row("ticket_opened", 0, number=1001, category="it", priority="P3"),
        row("ticket_put_on_hold", 60, reason="parts"),
        row("work_resumed", 120),
        row("priority_changed", 130, old="P3", new="P2"),
        row("sla_extended", 140, clock="resolution", minutes=90, reason="client away"),
        row("ticket_reopened", 400, reason="back"),
        row("comment_added", 10, comment_id="c", visibility="public", text="hi"),  # not a clock fact
    ]
    facts = timeline_from_events(
        ticket(first_response_at=T0 + timedelta(minutes=20), priority=Priority.P2), events
    )
    assert facts == [
        Opened(T0, Priority.P3),
        FirstResponse(T0 + timedelta(minutes=20)),
        Paused(T0 + timedelta(minutes=60), "parts"),
        Resumed(T0 + timedelta(minutes=120)),
        Reprioritised(T0 + timedelta(minutes=130), Priority.P2),
        Extended(
            T0 + timedelta(minutes=140), timedelta(minutes=90), "client away", SlaKind.RESOLUTION, "sup"
        ),
        Resolved(T0 + timedelta(minutes=300)),
        Reopened(T0 + timedelta(minutes=400)),
    ]


def test_opening_priority_comes_from_the_log_not_the_current_ticket() -> None:
    # No ticket_opened row (an imported ticket): the first change's old priority is the opening one.
    facts = timeline_from_events(
        ticket(priority=Priority.P1), [row("priority_changed", 30, old="P3", new="P1")]
    )
    assert facts[0] == Opened(T0, Priority.P3)
    assert timeline_from_events(ticket(priority=Priority.P4), [])[0] == Opened(T0, Priority.P4)


def test_a_job_returned_to_the_queue_resumes_a_paused_clock() -> None:
    events = [
        row("ticket_put_on_hold", 60, reason="client"),
        row("ticket_reassigned", 90, previous_assignee_id="e1"),
    ]
    facts = timeline_from_events(ticket(), events)
    assert Resumed(T0 + timedelta(minutes=90)) in facts


def test_malformed_rows_are_skipped_not_fatal() -> None:
    events = [
        row("priority_changed", 10, old="P3", new="P9"),
        row("sla_extended", 20, minutes="x", reason="r"),
    ]
    assert timeline_from_events(ticket(), events) == [Opened(T0, Priority.P3)]


def test_merge_keeps_stored_rows_and_adds_only_unsaved_recorded_events() -> None:
    hold = TicketPutOnHold(ticket_id="t1", actor=SYS, at=T0 + timedelta(hours=1), reason="parts")
    stored = [
        row("ticket_opened", 0, number=1001, category="it", priority="P3"),
        {"name": hold.name, "at": hold.at, "actor": {"id": "system"}, "data": hold.data()},
    ]
    resumed = WorkResumed(ticket_id="t1", actor=SYS, at=T0 + timedelta(hours=2))
    merged = merge_events(stored, [hold, resumed])
    assert len(merged) == 3 and merged[-1] is resumed


def test_state_from_events_pauses_and_priority_change() -> None:
    opened = TicketOpened(ticket_id="t1", actor=SYS, at=T0, number=1001, category="it", priority="P3")
    events = [
        opened,
        TicketPutOnHold(ticket_id="t1", actor=SYS, at=T0 + timedelta(hours=1), reason="parts"),
        WorkResumed(ticket_id="t1", actor=SYS, at=T0 + timedelta(hours=3)),
    ]
    t = ticket(first_response_at=T0 + timedelta(minutes=10))
    sla = evaluate(t, events, POLICY, T0 + timedelta(hours=4), POLICY_LADDER)
    assert sla.state.resolution.elapsed == timedelta(hours=2)  # 4 h minus the 2 h pause
    assert sla.state.resolution.due_at == T0 + timedelta(hours=26)
    assert sla.due == ()
    # next look: the 75 % warning of 24 h = 18 h counted -> 16 h after now
    assert sla.next_at == T0 + timedelta(hours=20)
    raised = [
        *events,
        PriorityChangedEvent(ticket_id="t1", actor=SYS, at=T0 + timedelta(hours=4), old="P3", new="P1"),
    ]
    sla = evaluate(t, raised, POLICY, T0 + timedelta(hours=4), POLICY_LADDER)
    # P1 (4 h) applies to the 2 h counted: 50 %, still ok; the warning comes at 3 h counted.
    assert sla.state.resolution.status is SlaStatus.OK
    assert sla.due == ()
    assert sla.next_at == T0 + timedelta(hours=5)


def test_extension_pushes_the_due_time_and_promise_is_in_site_language_and_zone() -> None:
    events = [
        TicketOpened(ticket_id="t1", actor=SYS, at=T0, number=1001, category="it", priority="P1"),
        SlaExtended(
            ticket_id="t1", actor=SYS, at=T0 + timedelta(hours=1), clock="resolution", minutes=120, reason="r"
        ),
    ]
    t = ticket(priority=Priority.P1, first_response_at=T0 + timedelta(minutes=5))
    sla = evaluate(t, events, POLICY, T0 + timedelta(hours=2), POLICY_LADDER)
    assert sla.state.resolution.due_at == T0 + timedelta(hours=6)
    assert promise_text(sla.state, lang="ru", tz="Europe/Moscow") == "до 18:00 в понедельник, 2 марта"
    assert promise_text(sla.state, lang="en", tz="America/New_York") == "by 10:00 AM Mon, 2 March"
    assert staff_badge(sla.state, "en") == "SLA: 4 h left"


def test_alerts_due_and_already_sent_are_not_repeated() -> None:
    events = [TicketOpened(ticket_id="t1", actor=SYS, at=T0, number=1001, category="it", priority="P1")]
    t = ticket(priority=Priority.P1, first_response_at=T0 + timedelta(minutes=5))
    sla = evaluate(t, events, POLICY, T0 + timedelta(hours=5), POLICY_LADDER)
    assert sla.due == ((SlaKind.RESOLUTION, 0), (SlaKind.RESOLUTION, 1))
    assert sla.next_at == T0 + timedelta(hours=6)  # level 2 at 150 %
    sla = evaluate(t, events, POLICY, T0 + timedelta(hours=5), POLICY_LADDER, sla.due)
    assert sla.due == ()
