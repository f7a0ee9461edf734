"""Which domain events become webhook deliveries."""

from __future__ import annotations

from datetime import UTC, datetime

from helpdesk.api.webhook_events import STATUS_AFTER, WebhookEvent, envelope, notices
from ticket_core import events as ev
from ticket_core.enums import Role
from ticket_core.model import Actor
from ticket_core.sla.events import SlaBreached, SlaWarning
from ticket_core.transitions import TABLE

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SYSTEM = Actor.system()
CRM = Actor(Role.SUPERVISOR, "api:crm", name="API crm")


def test_open_then_broadcast_offer_is_one_opened_and_one_status_change() -> None:
    events = [
        ev.TicketOpened(ticket_id="t1", actor=CRM, at=AT, number=1001, category="it", priority="P2"),
        ev.TicketOffered(ticket_id="t1", actor=SYSTEM, at=AT, engineer_id="e1", offer_id="o1"),
        ev.TicketOffered(ticket_id="t1", actor=SYSTEM, at=AT, engineer_id="e2", offer_id="o2"),
    ]
    found = notices(events)
    assert [n.kind for n in found] == [WebhookEvent.TICKET_OPENED, WebhookEvent.STATUS_CHANGED]
    assert found[0].data == {"number": 1001, "category": "it", "priority": "P2"}
    assert found[0].actor["id"] == "api:crm"
    assert found[1].data == {"status": "offered", "previous_status": "new"}


def test_each_status_change_is_reported_with_its_reason() -> None:
    events = [
        ev.OfferAccepted(ticket_id="t1", actor=SYSTEM, at=AT, engineer_id="e1"),
        ev.WorkStarted(ticket_id="t1", actor=SYSTEM, at=AT),
        ev.TicketPutOnHold(ticket_id="t1", actor=SYSTEM, at=AT, reason="waiting for parts"),
        ev.CommentAdded(ticket_id="t1", actor=SYSTEM, at=AT, comment_id="c", visibility="public", text="x"),
        ev.TicketCancelled(ticket_id="t2", actor=CRM, at=AT, reason="duplicate"),
    ]
    found = notices(events)
    assert [(n.ticket_id, n.data["status"]) for n in found] == [
        ("t1", "accepted"),
        ("t1", "in_progress"),
        ("t1", "on_hold"),
        ("t2", "cancelled"),
    ]
    assert (
        found[2].data["reason"] == "waiting for parts" and found[2].data["previous_status"] == "in_progress"
    )
    assert found[3].cause == "ticket_cancelled" and "previous_status" not in found[3].data


def test_sla_breach_is_reported_but_a_warning_is_not() -> None:
    warning = SlaWarning(
        ticket_id="t1", actor=SYSTEM, at=AT, kind="resolution", level=0, share=0.8, notify="x"
    )
    breach = SlaBreached(
        ticket_id="t1",
        actor=SYSTEM,
        at=AT,
        kind="resolution",
        level=1,
        share=1.0,
        notify="x",
        due_at="2026-03-02T10:00:00+00:00",
    )
    found = notices([warning, breach])
    assert [n.kind for n in found] == [WebhookEvent.SLA_BREACHED]
    assert found[0].data == {"clock": "resolution", "level": 1, "due_at": "2026-03-02T10:00:00+00:00"}


def test_status_map_agrees_with_the_transition_table() -> None:
    targets = {row.target for row in TABLE}
    # every status a ticket can move to is announced, and nothing else is
    assert set(STATUS_AFTER.values()) == targets


def test_envelope_carries_the_delivery_id_and_ticket() -> None:
    notice = notices([ev.TicketClosed(ticket_id="t1", actor=SYSTEM, at=AT)])[0]
    body = envelope("d-1", notice, {"number": 1001})
    assert body == {
        "id": "d-1",
        "event": "status_changed",
        "occurred_at": AT.isoformat(),
        "cause": "ticket_closed",
        "actor": {"role": "system", "id": "system", "name": "system"},
        "ticket": {"number": 1001},
        "data": {"status": "closed"},
    }
