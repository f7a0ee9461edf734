"""An escalation to a higher level reaches webhook subscribers as a status change back to the queue."""

from __future__ import annotations

from datetime import UTC, datetime

from helpdesk.api import serialize
from helpdesk.api.webhook_events import WebhookEvent, notices
from ticket_core import events as ev
from ticket_core.enums import Priority, Role
from ticket_core.model import Actor, Site, StaffMember, Ticket
from ticket_core.working_hours import WeeklyHours

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ENGINEER = Actor(Role.ENGINEER, "e1", name="Eng")


def test_escalation_back_to_the_queue_is_a_status_change_and_a_kept_job_is_not() -> None:
    events = [
        ev.OfferAccepted(ticket_id="t1", actor=ENGINEER, at=AT, engineer_id="e1"),
        ev.TicketLevelRaised(
            ticket_id="t1",
            actor=ENGINEER,
            at=AT,
            from_level=1,
            to_level=2,
            reason="needs L2",
            from_engineer_id="e1",
            returned_to_queue=True,
        ),
        ev.TicketLevelRaised(ticket_id="t2", actor=ENGINEER, at=AT, from_level=1, to_level=3),
    ]
    found = notices(events)
    assert [(n.kind, n.ticket_id) for n in found] == [
        (WebhookEvent.STATUS_CHANGED, "t1"),
        (WebhookEvent.STATUS_CHANGED, "t1"),
    ]
    assert found[1].cause == "ticket_level_raised"
    assert found[1].data == {
        "status": "new",
        "min_level": 2,
        "previous_status": "accepted",
        "reason": "needs L2",
    }
    assert ev.EVENT_TYPES["ticket_level_raised"] is ev.TicketLevelRaised


def test_the_api_shows_profiles_regions_and_levels() -> None:
    member = StaffMember(
        "e1",
        "Eng",
        Role.ENGINEER,
        ("it",),
        regions=("MOW",),
        timezone="Asia/Omsk",
        working_hours=WeeklyHours.parse("mon-fri 09:00-18:00"),
    )
    shown = serialize.engineer(member, 2)
    assert (shown["regions"], shown["timezone"], shown["working_hours"]) == (
        ["MOW"],
        "Asia/Omsk",
        "mon-fri 09:00-18:00",
    )
    assert serialize.site(Site("s", "c", "S", "addr", region="SPB"))["region"] == "SPB"
    ticket = Ticket("t", 1001, "c", None, "it", Priority.P2, "x", AT, min_level=3)
    assert serialize.ticket(ticket)["min_level"] == 3
