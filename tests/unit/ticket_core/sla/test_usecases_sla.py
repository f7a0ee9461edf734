"""SLA use cases on the memory unit of work: timers, alerts once per level, and the supervisor's answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.fakes.memory_uow import MemoryUnitOfWorkFactory, SlaMemoryUnitOfWorkFactory
from tests.unit.ticket_core.conftest import CLIENT, NOW, SUPERVISOR, engineer
from ticket_core import usecases as uc
from ticket_core.enums import OfferStatus, Priority, Role, TicketStatus
from ticket_core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from ticket_core.model import Actor
from ticket_core.sla.clock import SlaKind
from ticket_core.sla.ports import TimerStatus
from ticket_core.usecases import reassign as reassign_uc
from ticket_core.usecases import sla as sla_uc

ADMIN = Actor(Role.ADMIN, "adm", name="Admin")
H = timedelta(hours=1)


@pytest.fixture
def suows(uows: MemoryUnitOfWorkFactory) -> SlaMemoryUnitOfWorkFactory:
    return SlaMemoryUnitOfWorkFactory(uows.state)


async def opened(suows: SlaMemoryUnitOfWorkFactory, priority: Priority = Priority.P1) -> str:
    """A P1 ticket of ACME accepted by e-near at NOW (first response at once); its timer scheduled."""
    async with suows() as uow:
        t = await uc.open_ticket(
            uow, CLIENT, uc.TicketDraft("acme", "it", "Server down", priority, site_id="acme-hq"), NOW
        )
        await uc.offer_ticket(uow, Actor.system(), t.id, NOW)
        await uc.accept_offer(uow, engineer("e-near"), t.id, NOW)
        t = await uow.tickets.get(t.id)
        assert t is not None
        await sla_uc.reschedule(uow, t, NOW)
        await uow.commit()
        return t.id


async def check(suows: SlaMemoryUnitOfWorkFactory, ticket_id: str, at_h: float) -> list[tuple[SlaKind, int]]:
    async with suows() as uow:
        keys = await sla_uc.check_sla(uow, ticket_id, NOW + at_h * H)
        names = [e.name for e in uow.collected]
        await uow.commit()
    assert len(names) == len(keys)
    return keys


async def test_reschedule_stores_the_next_rung_and_check_sends_each_level_once(suows) -> None:
    tid = await opened(suows)
    timer = suows.sla_state.timers[tid]
    # P1 = 4 h resolution on 24x7: the 75 % warning is due 3 h after opening
    assert timer.status is TimerStatus.PENDING and timer.due_at == NOW + 3 * H and timer.level == 0
    assert await check(suows, tid, 3) == [(SlaKind.RESOLUTION, 0)]
    assert suows.sla_state.timers[tid].due_at == NOW + 4 * H
    # a retried tick at the same instant sends nothing again
    assert await check(suows, tid, 3) == []
    # the worker was down until 6.5 h: breach (100 %) and L2 (150 %) come together, in order, once
    assert await check(suows, tid, 6.5) == [(SlaKind.RESOLUTION, 1), (SlaKind.RESOLUTION, 2)]
    assert await check(suows, tid, 6.5) == []
    assert suows.sla_state.timers[tid].due_at == NOW + 8 * H
    names = [e["name"] for e in suows.state.events if e["name"].startswith("sla_")]
    assert names == ["sla_warning", "sla_breached", "sla_escalated"]


async def test_paused_ticket_waits_idle_and_resolved_ticket_is_done(suows) -> None:
    tid = await opened(suows)
    async with suows() as uow:
        await uc.start_work(uow, engineer("e-near"), tid, NOW + 0.5 * H)
        t = await uc.put_on_hold(uow, engineer("e-near"), tid, NOW + H, "parts")
        assert await sla_uc.reschedule(uow, t, NOW + H) is None
        await uow.commit()
    assert suows.sla_state.timers[tid].status is TimerStatus.IDLE
    async with suows() as uow:
        t = await uc.resume_work(uow, engineer("e-near"), tid, NOW + 5 * H)
        # 1 h counted before the pause; the warning at 3 h counted is 2 h after the resume
        assert await sla_uc.reschedule(uow, t, NOW + 5 * H) == NOW + 7 * H
        t = await uc.resolve_ticket(uow, engineer("e-near"), tid, NOW + 6 * H, "fixed")
        await sla_uc.reschedule(uow, t, NOW + 6 * H)
        await uow.commit()
    assert suows.sla_state.timers[tid].status is TimerStatus.DONE
    assert await check(suows, tid, 20) == []


async def test_raising_priority_applies_to_time_counted_and_fires_at_once(suows) -> None:
    tid = await opened(suows, Priority.P3)  # 24 h resolution
    assert suows.sla_state.timers[tid].due_at == NOW + 18 * H
    async with suows() as uow:
        t = await sla_uc.raise_priority(uow, SUPERVISOR, tid, NOW + 5 * H)
        assert t.priority is Priority.P2  # P2: 8 h resolution; 5 h counted is 62 %
        t = await sla_uc.raise_priority(uow, SUPERVISOR, tid, NOW + 5 * H)
        assert t.priority is Priority.P1  # P1: 4 h; 5 h counted is past the breach
        await uow.commit()
    assert suows.sla_state.timers[tid].due_at == NOW + 5 * H
    assert await check(suows, tid, 5) == [(SlaKind.RESOLUTION, 0), (SlaKind.RESOLUTION, 1)]
    changes = [e["data"] for e in suows.state.events if e["name"] == "priority_changed"]
    assert changes == [{"old": "P3", "new": "P2"}, {"old": "P2", "new": "P1"}]
    async with suows() as uow:
        with pytest.raises(InvalidTransition, match="P1 already"):
            await sla_uc.raise_priority(uow, SUPERVISOR, tid, NOW + 6 * H)


async def test_extension_needs_a_reason_and_moves_the_timer(suows) -> None:
    tid = await opened(suows)
    async with suows() as uow:
        with pytest.raises(ValidationFailed, match="reason"):
            await sla_uc.extend_sla(uow, SUPERVISOR, tid, NOW + H, 2 * H, "  ")
        with pytest.raises(ValidationFailed, match="30 days"):
            await sla_uc.extend_sla(uow, SUPERVISOR, tid, NOW + H, timedelta(days=31), "why")
        with pytest.raises(Forbidden, match="supervisor"):
            await sla_uc.extend_sla(uow, engineer("e-near"), tid, NOW + H, 2 * H, "why")
        await sla_uc.extend_sla(uow, SUPERVISOR, tid, NOW + H, 2 * H, "client closed the site")
        await uow.commit()
    # 6 h target now: the 75 % warning at 4.5 h
    assert suows.sla_state.timers[tid].due_at == NOW + 4.5 * H
    ext = [e for e in suows.state.events if e["name"] == "sla_extended"]
    assert ext[0]["data"] == {"clock": "resolution", "minutes": 120, "reason": "client closed the site"}
    assert ext[0]["actor"]["id"] == "sup"


async def test_acknowledge_records_who_and_only_once(suows) -> None:
    tid = await opened(suows)
    async with suows() as uow:
        with pytest.raises(NotFound, match="no SLA alert"):
            await sla_uc.acknowledge_alert(uow, SUPERVISOR, tid, NOW + H)
    await check(suows, tid, 4)
    async with suows() as uow:
        with pytest.raises(Forbidden):
            await sla_uc.acknowledge_alert(uow, engineer("e-near"), tid, NOW + 4 * H)
        record = await sla_uc.acknowledge_alert(uow, SUPERVISOR, tid, NOW + 4.1 * H)
        assert (record.kind, record.level, record.acknowledged_by) == (SlaKind.RESOLUTION, 1, "sup")
        await uow.commit()
    alert = suows.sla_state.alerts[(tid, "resolution", 1)]
    assert alert.acknowledged_by == "sup" and alert.acknowledged_at == NOW + 4.1 * H
    async with suows() as uow:
        with pytest.raises(InvalidTransition, match="already acknowledged by Sveta"):
            await sla_uc.acknowledge_alert(uow, ADMIN, tid, NOW + 4.2 * H, (SlaKind.RESOLUTION, 1))


async def test_reassign_to_the_queue_routes_to_someone_else(suows) -> None:
    tid = await opened(suows)
    async with suows() as uow:
        with pytest.raises(Forbidden):
            await reassign_uc.reassign(uow, engineer("e-near"), tid, NOW + H)
        t = await reassign_uc.reassign(uow, SUPERVISOR, tid, NOW + H, reason="not answering")
        assert t.status is TicketStatus.NEW and t.assignee_id is None
        offered = await uc.offer_ticket(uow, Actor.system(), tid, NOW + H)
        await uow.commit()
    assert [c.engineer_id for c in offered] == ["e-far"]  # e-near had it; e-banned is excluded by contract
    event = next(e for e in suows.state.events if e["name"] == "ticket_reassigned")
    assert event["data"] == {
        "previous_assignee_id": "e-near",
        "to_engineer_id": None,
        "reason": "not answering",
    }
    async with suows() as uow:
        with pytest.raises(InvalidTransition, match="waiting in the queue already"):
            await reassign_uc.reassign(
                uow, SUPERVISOR, tid, NOW + 2 * H
            )  # offered: back to the queue again is fine
            await reassign_uc.reassign(
                uow, SUPERVISOR, tid, NOW + 2 * H
            )  # now NEW with nobody named: refused


async def test_reassign_to_a_named_engineer_offers_it_to_them(suows) -> None:
    tid = await opened(suows)
    async with suows() as uow:
        with pytest.raises(NotFound):
            await reassign_uc.reassign(uow, SUPERVISOR, tid, NOW + H, to_engineer_id="sup")
        with pytest.raises(ValidationFailed, match="already has"):
            await reassign_uc.reassign(uow, SUPERVISOR, tid, NOW + H, to_engineer_id="e-near")
        with pytest.raises(ValidationFailed, match="excluded by the client's contract"):  # as routing does
            await reassign_uc.reassign(uow, SUPERVISOR, tid, NOW + H, to_engineer_id="e-banned")
        t = await reassign_uc.reassign(uow, SUPERVISOR, tid, NOW + H, to_engineer_id="e-hvac")
        assert t.status is TicketStatus.OFFERED
        pending = await uow.offers.list_for_ticket(tid, OfferStatus.PENDING)
        assert [o.engineer_id for o in pending] == ["e-hvac"]
        assert [e.name for e in uow.collected][-2:] == ["ticket_reassigned", "ticket_offered"]
        await uc.accept_offer(uow, engineer("e-hvac"), tid, NOW + 1.5 * H)
        await uow.commit()
    assert suows.state.tickets[tid].assignee_id == "e-hvac"


async def test_the_choice_of_engineers_is_the_supervisors_and_leaves_out_the_assignee_and_the_excluded(
    suows,
) -> None:
    tid = await opened(suows)
    async with suows() as uow:
        with pytest.raises(Forbidden, match="Only a supervisor can reassign a job"):
            await reassign_uc.reassign_choice(uow, engineer("e-near"), tid)
        choice = await reassign_uc.reassign_choice(uow, SUPERVISOR, tid)
        # the ticket's skill ("it") first, then the rest; not e-near (has it), not e-banned (the contract)
        assert [m.id for m in choice.engineers] == ["e-far", "e-hvac"]
        assert choice.loads == {"e-near": 1} and uow.collected == []  # a read: nothing recorded
        await uc.put_on_hold(uow, engineer("e-near"), tid, NOW + H, "client away")
        await uow.commit()
    suows.state.tickets[tid].status = TicketStatus.CLOSED
    async with suows() as uow:
        with pytest.raises(InvalidTransition, match="there is no job to reassign"):
            await reassign_uc.reassign_choice(uow, ADMIN, tid)


async def test_a_pause_ends_when_the_job_is_taken_back(suows) -> None:
    tid = await opened(suows)
    async with suows() as uow:
        await uc.put_on_hold(uow, engineer("e-near"), tid, NOW + H, "client away")
        t = await reassign_uc.reassign(uow, SUPERVISOR, tid, NOW + 2 * H)
        # the clock runs again from the reassignment: 1 h counted, warning at 3 h counted
        assert await sla_uc.reschedule(uow, t, NOW + 2 * H) == NOW + 4 * H


async def test_promise_and_badge_for_people(suows) -> None:
    tid = await opened(suows)
    async with suows() as uow:
        t = await uow.tickets.get(tid)
        assert t is not None
        # NOW is 09:00 UTC = 12:00 in Moscow; P1 is due 4 h later
        assert await sla_uc.sla_promise(uow, t, NOW + H, "ru") == "до 16:00 в понедельник, 2 марта"
        assert await sla_uc.sla_promise(uow, t, NOW + H, "en") == "by 4:00 PM Mon, 2 March"
        assert await sla_uc.sla_badge_for(uow, t, NOW + H, "en") == "SLA: 3 h left"
        assert await sla_uc.sla_badge_for(uow, t, NOW + 5 * H, "ru") == "SLA: нарушен 1 ч назад"
